package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"text/template"
	"time"

	"github.com/tochka-loyalty/tochka/rewards"
)

// Phone and SMS code: POST /v1/otp/start {phone[, lang]} makes a 6-digit
// code and sends it through the handler's CodeSender; POST /v1/otp/verify
// {phone, code} answers the cards of the phone's household. The ledger
// keeps the codes (hashed) and their limits (rewards.OTPs), so that every
// server sharing it agrees; each device's starts are limited per process
// as well (limits.go), so that no token is a tool to flood phones with
// SMS.
//
// A phone that is no customer's is answered as any other: the start says
// "sent" (and a code is sent: the SMS gateway cannot be told apart from
// the answer either), and the right code verifies to no cards. So the API
// tells nobody which phones are customers' without the phone in hand.

// CodeSender sends a one-time code to a phone (E.164), in the language l
// of its text (bg, ru, en).
type CodeSender interface {
	Send(ctx context.Context, phone, code, l string) error
}

// LogSender writes codes to the server's log instead of sending them: for
// development only, and its every line says so.
type LogSender struct {
	Logger *slog.Logger
}

// Send logs the code at warning level.
func (s LogSender) Send(ctx context.Context, phone, code, l string) error {
	s.Logger.WarnContext(ctx, "DEVELOPMENT ONLY: a one-time code written to the log instead of sent by SMS (--sms log); use --sms webhook in production",
		"phone", phone, "code", code, "text", rewards.OTPText(l, code))
	return nil
}

// DefaultWebhookTemplate is the body a Webhook posts when it is given no
// template.
const DefaultWebhookTemplate = `{"phone":{{json .Phone}},"text":{{json .Text}}}` + "\n"

// DefaultWebhookTimeout is how long a Webhook waits for the gateway.
const DefaultWebhookTimeout = 10 * time.Second

// Webhook sends codes through an SMS gateway: a JSON POST to URL, its
// body rendered from a text/template with .Phone, .Code and .Text (the
// catalog's SMS text in the customer's language) and the function json,
// which writes a value as a JSON string (`{"to":{{json .Phone}}}`). An
// answer other than 2xx is an error.
type Webhook struct {
	URL      string
	Template *template.Template
	Client   *http.Client // nil: http.DefaultClient
	Timeout  time.Duration
}

// WebhookData is what a webhook's body template is rendered with.
type WebhookData struct {
	Phone, Code, Text string
}

// NewWebhook parses the body template (empty: DefaultWebhookTemplate) and
// checks that it renders JSON.
func NewWebhook(url, body string) (*Webhook, error) {
	if url == "" {
		return nil, errors.New("the SMS webhook has no URL")
	}
	if body == "" {
		body = DefaultWebhookTemplate
	}
	tmpl, err := template.New("sms").Option("missingkey=error").Funcs(template.FuncMap{"json": jsonString}).Parse(body)
	if err != nil {
		return nil, fmt.Errorf("the SMS webhook's template: %w", err)
	}
	w := &Webhook{URL: url, Template: tmpl, Timeout: DefaultWebhookTimeout}
	if _, err := w.render(WebhookData{Phone: "+359888123456", Code: "123456", Text: rewards.OTPText("bg", "123456")}); err != nil {
		return nil, err
	}
	return w, nil
}

func jsonString(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// render is the webhook's body for d, which must be JSON.
func (w *Webhook) render(d WebhookData) ([]byte, error) {
	var buf bytes.Buffer
	if err := w.Template.Execute(&buf, d); err != nil {
		return nil, fmt.Errorf("the SMS webhook's template: %w", err)
	}
	if !json.Valid(buf.Bytes()) {
		return nil, errors.New("the SMS webhook's template does not make JSON (write values as {{json .Text}})")
	}
	return buf.Bytes(), nil
}

// Send posts the code's SMS to the gateway.
func (w *Webhook) Send(ctx context.Context, phone, code, l string) error {
	body, err := w.render(WebhookData{Phone: phone, Code: code, Text: rewards.OTPText(l, code)})
	if err != nil {
		return err
	}
	timeout := w.Timeout
	if timeout <= 0 {
		timeout = DefaultWebhookTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("SMS webhook: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	client := w.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("SMS webhook: %w", err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("SMS webhook %s answered %s", w.URL, resp.Status)
	}
	return nil
}

// otpRoutes registers the phone and SMS code routes.
func (h *handler) otpRoutes(route func(string, func(*http.Request) (any, error), ...string), opts Options) {
	h.otp = opts.OTP
	if h.otp == nil {
		h.otp, _ = h.s.(rewards.OTPs)
	}
	h.sender = opts.Sender
	h.otpStarts = newLimiter(opts.OTPStarts, opts.OTPStartBurst, DefaultOTPStarts, DefaultOTPStartBurst, "otp.device_limited")
	route(rewards.RouteOTPStart, h.startOTP)
	route(rewards.RouteOTPVerify, h.verifyOTP)
}

// errNoOTP is the internal error of a server set up without codes.
var errNoOTP = errors.New("this server sends no one-time codes: it has no ledger of codes or no SMS sender")

func (h *handler) startOTP(r *http.Request) (any, error) {
	if err := h.otpStarts.allow(callerOf(r).device.Name, time.Now()); err != nil {
		return nil, err
	}
	var c rewards.OTPStart
	if err := decode(r, CommandLimit, "otp start", &c); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if h.otp == nil || h.sender == nil {
		return nil, errNoOTP
	}
	l := c.Lang
	if l == "" {
		l = Language(r.Header.Get("Accept-Language"))
	}
	issued, err := h.otp.StartOTP(r.Context(), c)
	if err != nil {
		return nil, err
	}
	if err := h.sender.Send(r.Context(), issued.Phone, issued.Code, l); err != nil {
		// The code stays counted against the phone: a gateway that fails
		// is no way round the limit.
		return nil, fmt.Errorf("send a one-time code: %w", err)
	}
	return issued.OTPSent, nil
}

func (h *handler) verifyOTP(r *http.Request) (any, error) {
	var c rewards.OTPVerify
	if err := decode(r, CommandLimit, "otp verify", &c); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if h.otp == nil {
		return nil, errNoOTP
	}
	return h.otp.VerifyOTP(r.Context(), c)
}

// SendCode asks the server to send a one-time code to the phone: a
// kiosk's or a till's phone screen. (The client is no rewards.OTPs: the
// server never answers the code, which only the customer's phone gets.)
func (c *Client) SendCode(ctx context.Context, cmd rewards.OTPStart) (rewards.OTPSent, error) {
	return call[rewards.OTPSent](c, ctx, change(http.MethodPost, "/v1/otp/start", cmd))
}

// VerifyCode checks the code the customer tells: the cards of the phone's
// household.
func (c *Client) VerifyCode(ctx context.Context, cmd rewards.OTPVerify) (rewards.OTPVerified, error) {
	return call[rewards.OTPVerified](c, ctx, change(http.MethodPost, "/v1/otp/verify", cmd))
}

// CardsOfPhone finds the cards of the phone's household without a code
// (GET /v1/cards?phone=): for a client in a staff session
// (WithStaffSession), whose member sees the customer.
func (c *Client) CardsOfPhone(ctx context.Context, phone string) (rewards.OTPVerified, error) {
	rq := read("/v1/cards", time.Time{})
	rq.query = url.Values{"phone": {phone}}
	return call[rewards.OTPVerified](c, ctx, rq)
}

var _ rewards.PhoneCards = (*Client)(nil)

// cardsByPhone answers GET /v1/cards?phone=: the cards of the phone's
// household, for a staff session (the rights table lets no device alone
// use it: without a code, only staff who see the customer may).
func (h *handler) cardsByPhone(r *http.Request) (any, error) {
	phone := r.URL.Query().Get("phone")
	if phone == "" {
		return nil, rewards.Fail(rewards.EINVALID, "api.phone_required", nil)
	}
	if h.phones == nil {
		return nil, errNoPhones
	}
	return h.phones.CardsOfPhone(r.Context(), phone)
}

// errNoPhones is the internal error of a server whose ledger finds no
// cards by phone.
var errNoPhones = errors.New("this server's ledger finds no cards by phone")
