package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/api"
	"github.com/tochka-loyalty/tochka/rewards/rewardstest"
)

// A kiosk's card look-ups are limited, by default to bursts of 10 and 30
// a minute: the next one is answered 429 with Retry-After, in the reader's
// language; a till at the same moment is not limited.
func TestKioskCardLookupsLimited(t *testing.T) {
	now := func() time.Time { return walkNow }
	s := openStore(t, now)
	if _, err := s.InstallProgram(ctx, rewards.ProgramInstall{Meta: rewards.Meta{At: walkNow.Add(-24 * time.Hour)}, Program: rewardstest.Program(t, "coop")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddCoop(ctx, rewards.CoopAdd{Coop: rewards.Coop{ID: "c1", Names: rewards.Names{EN: "c1"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddStore(ctx, rewards.StoreAdd{Store: rewards.Store{ID: "a1", Coop: "c1", Names: rewards.Names{EN: "a1"}}}); err != nil {
		t.Fatal(err)
	}
	tokens := map[string]string{}
	for _, d := range []rewards.Device{{Name: "kiosk", Role: rewards.RoleKiosk, Store: "a1"}, {Name: "till", Role: rewards.RolePOS, Store: "a1"}} {
		nd, err := s.AddDevice(ctx, rewards.DeviceAdd{Device: d})
		if err != nil {
			t.Fatal(err)
		}
		tokens[d.Name] = nd.Token
	}
	card, err := s.IssueCard(ctx, rewards.CardIssue{Meta: rewards.Meta{At: walkNow.Add(-24 * time.Hour)}, Handed: true})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(newHandler(t, s, api.Options{Now: now, Devices: s}))
	defer srv.Close()
	lookup := func(device string) *http.Response {
		req, _ := http.NewRequest("GET", srv.URL+"/v1/cards/"+card.Number+"/balance", nil)
		req.Header.Set("Authorization", "Bearer "+tokens[device])
		req.Header.Set("Accept-Language", "ru")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	for i := range api.DefaultKioskCardBurst {
		if resp := lookup("kiosk"); resp.StatusCode != 200 {
			t.Fatalf("look-up %d of the burst: %d", i+1, resp.StatusCode)
		}
	}
	resp := lookup("kiosk")
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var e struct {
		Error struct{ Code, Key, Message string }
	}
	json.Unmarshal(body, &e)
	if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); resp.StatusCode != http.StatusTooManyRequests || err != nil || secs < 1 ||
		e.Error.Code != "rate_limited" || e.Error.Key != "api.rate_limited" || e.Error.Message == "" {
		t.Errorf("look-up past the burst: %d, Retry-After %q, %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	for range 20 {
		if resp := lookup("till"); resp.StatusCode != 200 {
			t.Fatalf("a till's look-up: %d", resp.StatusCode)
		}
	}
}
