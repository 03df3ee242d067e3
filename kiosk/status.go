package kiosk

import (
	"encoding/json"
	"net/http"

	"fyne.io/fyne/v2"
)

// Status is what the kiosk's status endpoint answers (GET /status, for
// fleet monitoring and tests): the screen shown, the session's language,
// the balance on the customer screen (null elsewhere), the devices with
// their states and the sync's freshness.
type Status struct {
	Screen    string            `json:"screen"`
	Lang      string            `json:"lang"`
	Available *int64            `json:"available"`
	Devices   map[string]string `json:"devices"`
	Sync      any               `json:"sync"`
}

// Status is the kiosk's status now; it runs on Fyne's goroutine.
func (k *Kiosk) Status() Status {
	st := Status{Screen: k.screen, Lang: k.lang, Devices: map[string]string{}}
	if k.customer != nil {
		available := k.customer.Available
		st.Available = &available
	}
	if k.Devices != nil {
		st.Devices = k.Devices()
	}
	if k.Sync != nil {
		st.Sync = k.Sync()
	}
	return st
}

// StatusHandler serves GET /status: the kiosk's Status, read on Fyne's
// goroutine.
func (k *Kiosk) StatusHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, r *http.Request) {
		var st Status
		fyne.DoAndWait(func() { st = k.Status() })
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(st)
	})
	return mux
}
