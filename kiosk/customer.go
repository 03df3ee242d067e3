// Package kiosk is the kiosk's face: the Fyne screens that customers,
// staff and managers use in the store. It talks to the rewards service
// interfaces (at a kiosk, a replica's replica.Service), never to SQL, and
// takes scans from package scanner only through fyne.Do.
//
// What a screen shows is built first, free of widgets (Customer), and the
// screen renders it, so that what a customer sees is tested apart from
// how it is drawn.
package kiosk

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/tochka-loyalty/tochka/rewards"
)

// What the customer screen shows at most.
const (
	RecentMovements = 10                  // the last movements listed
	ExpiringWithin  = 30 * 24 * time.Hour // points expiring this soon are named
)

// Customer is what the customer screen shows after a scan: the given name
// only, the balance, what is pending and what expires soon, the last
// movements, and the board: what the balance affords, and how many points
// each other reward still needs.
type Customer struct {
	Card       string
	Family     []string // the household's other cards
	GivenName  string
	Available  int64
	Pending    []rewards.PendingPoints
	Expiring   []rewards.ExpiringLots // within ExpiringWithin of AsOf
	Recent     []rewards.HistoryEntry // the last RecentMovements, newest first
	Affordable []rewards.Reward       // by points, then id
	Later      []Needs                // the rewards the balance does not reach yet, by points
	AsOf       time.Time
}

// Needs is a reward of the board and how many points more it takes.
type Needs struct {
	Reward rewards.Reward
	More   int64
}

// LoadCustomer reads what the customer screen shows of a card at now: a
// card that is blocked, replaced or unknown is refused as a till refuses
// it. The board is the cooperative's, narrowed to the store, of
// the rewards offered now and in stock.
func LoadCustomer(ctx context.Context, s rewards.Service, number string, now time.Time, coop, store string) (Customer, error) {
	card, err := s.Card(ctx, number, now)
	if err != nil {
		return Customer{}, err
	}
	p, err := s.Program(ctx)
	if err != nil {
		return Customer{}, err
	}
	if card.Status == rewards.CardBlocked || card.Status == rewards.CardReplaced {
		// The replacement is the card to scan; a card not active yet
		// shows what it will hold.
		return Customer{}, rewards.RefuseInactive(card, p.Location())
	}
	bal, err := s.Balance(ctx, number, now)
	if err != nil {
		return Customer{}, err
	}
	history, err := s.History(ctx, number)
	if err != nil {
		return Customer{}, err
	}
	c := Customer{Card: card.Number, Family: card.Family, GivenName: card.GivenName, Available: bal.Available, Pending: bal.Pending, AsOf: now}
	for _, e := range bal.Expiring {
		if e.ExpiresAt.Before(now.Add(ExpiringWithin)) {
			c.Expiring = append(c.Expiring, e)
		}
	}
	for i := len(history) - 1; i >= 0 && len(c.Recent) < RecentMovements; i-- {
		c.Recent = append(c.Recent, history[i])
	}
	if p.KeepsBoard() != nil { // a bonus program has no board
		return c, nil
	}
	board, err := s.Rewards(ctx, coop, store)
	if err != nil {
		return Customer{}, err
	}
	slices.SortStableFunc(board, func(a, b rewards.Reward) int {
		if a.Points != b.Points {
			return int(a.Points - b.Points)
		}
		return strings.Compare(a.ID, b.ID)
	})
	for _, rw := range board {
		if !rw.InStock() || rw.OfferedAt(now, store, p.Location()) != nil {
			continue
		}
		if rw.Points <= c.Available {
			c.Affordable = append(c.Affordable, rw)
		} else {
			c.Later = append(c.Later, Needs{Reward: rw, More: rw.Points - max(c.Available, 0)})
		}
	}
	return c, nil
}
