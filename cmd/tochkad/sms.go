package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"

	"github.com/tochka-loyalty/tochka/rewards/api"
)

// smsConfig is how one-time codes are sent: --sms log|webhook, and the
// webhook's URL and body template file.
type smsConfig struct {
	kind, url, template string
}

func (c *smsConfig) flags(fs *flag.FlagSet, env func(string) string) {
	fs.StringVar(&c.kind, "sms", env("TOCHKA_SMS"), "send one-time codes by: webhook (an SMS gateway), or log (development only: codes in the log) ($TOCHKA_SMS)")
	fs.StringVar(&c.url, "sms-url", env("TOCHKA_SMS_URL"), "the SMS gateway's URL, for --sms webhook ($TOCHKA_SMS_URL)")
	fs.StringVar(&c.template, "sms-template", env("TOCHKA_SMS_TEMPLATE"), "a file with the JSON body posted to the gateway, a Go text/template of .Phone, .Code, .Text ($TOCHKA_SMS_TEMPLATE)")
}

// check refuses settings that do not go together.
func (c *smsConfig) check() error {
	switch c.kind {
	case "", "log":
		if c.url != "" || c.template != "" {
			return errors.New("--sms-url and --sms-template go with --sms webhook")
		}
	case "webhook":
		if c.url == "" {
			return errors.New("--sms webhook needs --sms-url (or $TOCHKA_SMS_URL)")
		}
	default:
		return fmt.Errorf("--sms %q: give log or webhook", c.kind)
	}
	return nil
}

// sender is the code sender the settings name, counting what it sends;
// nil when codes are not to be sent.
func (c *smsConfig) sender(log *slog.Logger, m *metrics) (api.CodeSender, error) {
	var s api.CodeSender
	switch c.kind {
	case "":
		return nil, nil
	case "log":
		log.Warn("DEVELOPMENT ONLY: --sms log writes one-time codes to this log instead of sending them")
		s = api.LogSender{Logger: log}
	case "webhook":
		var body []byte
		if c.template != "" {
			var err error
			if body, err = os.ReadFile(c.template); err != nil {
				return nil, fmt.Errorf("--sms-template: %w", err)
			}
		}
		w, err := api.NewWebhook(c.url, string(body))
		if err != nil {
			return nil, err
		}
		s = w
	}
	return countedSender{s, m}, nil
}

// countedSender counts the codes its sender took.
type countedSender struct {
	api.CodeSender
	m *metrics
}

func (c countedSender) Send(ctx context.Context, phone, code, l string) error {
	err := c.CodeSender.Send(ctx, phone, code, l)
	if err == nil {
		c.m.otpSent.Inc()
	}
	return err
}
