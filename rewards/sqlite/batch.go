package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/tochka-loyalty/tochka/rewards"
)

// The cards of batches are kept in batch_cards (migration 0015): the
// command that issues a card not handed over with a batch card's client id
// (rewards.BatchCardID) puts it there, in the transaction of its event, and
// RecordPrint sets the print job that printed it first. A print is no
// event: like a device, it is this ledger's record, not a fact of the
// points ledger that kiosks and replays need.

// keepBatchCard records card number, just issued under the event ev, as
// its batch's when ev's client id is a batch card's. A card issued by an
// event applied again (a replay, another ledger's log) is taken as printed
// by no known job, as migration 0015 takes older batches: a print is no
// event, and a card printed long ago must not be listed to print again.
func (t *txn) keepBatchCard(ev *eventRec, number string, fresh bool) error {
	batch, i, ok := rewards.BatchOf(ev.key)
	if !ok {
		return nil
	}
	var job any // NULL: no job has printed it yet
	if !fresh {
		job = ""
	}
	if _, err := t.exec(`INSERT INTO batch_cards (number, batch, idx, job) VALUES (?, ?, ?, ?)`, number, batch, i, job); err != nil {
		return fmt.Errorf("keep card %s of batch %s: %w", number, batch, err)
	}
	return nil
}

// RecordPrint records that the print job printed the cards: each batch
// card among them not printed before is printed by it from then on. It
// returns the batch cards among them, as recorded.
func (s *Store) RecordPrint(ctx context.Context, p rewards.CardPrint) ([]rewards.BatchCard, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	out := []rewards.BatchCard{}
	err := s.write(ctx, func(t *txn) error {
		out = out[:0]
		at := ms(t.at(p.At))
		seen := map[string]bool{}
		for _, number := range p.Cards {
			if seen[number] {
				continue
			}
			seen[number] = true
			if _, err := t.card(number); err != nil {
				return err
			}
			// '' is a card of a batch issued before prints were recorded:
			// its first known print is this one.
			if _, err := t.exec(`UPDATE batch_cards SET job = ?, printed_at = ?
				WHERE number = ? AND (job IS NULL OR job = '')`, p.Job, at, number); err != nil {
				return fmt.Errorf("record the print of card %s: %w", number, err)
			}
			cards, err := t.batchCards(`b.number = ?`, number)
			if err != nil {
				return err
			}
			out = append(out, cards...)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UnprintedCards lists the batch cards that no print job has printed and
// that wait to be handed over, of the batch or, when it is empty, of
// every batch, by batch and place.
func (s *Store) UnprintedCards(ctx context.Context, batch string) ([]rewards.BatchCard, error) {
	if err := rewards.ValidBatch(batch); err != nil {
		return nil, err
	}
	var out []rewards.BatchCard
	err := s.read(ctx, func(t *txn) error {
		where := `b.job IS NULL AND c.handed_at IS NULL AND c.blocked_at IS NULL AND c.replaced_by IS NULL`
		args := []any{}
		if batch != "" {
			where += ` AND b.batch = ?`
			args = append(args, batch)
		}
		var err error
		out, err = t.batchCards(where, args...)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// batchCards reads the batch cards that where (on batch_cards b and
// cards c) selects, by batch and place.
func (t *txn) batchCards(where string, args ...any) ([]rewards.BatchCard, error) {
	rows, err := t.query(`SELECT b.number, b.batch, b.idx, c.issued_at, b.job, b.printed_at
		FROM batch_cards b JOIN cards c ON c.number = b.number WHERE `+where+` ORDER BY b.batch, b.idx`, args...)
	if err != nil {
		return nil, fmt.Errorf("read batch cards: %w", err)
	}
	defer rows.Close()
	out := []rewards.BatchCard{}
	for rows.Next() {
		var bc rewards.BatchCard
		var issued int64
		var job sql.NullString
		var printed sql.NullInt64
		if err := rows.Scan(&bc.Number, &bc.Batch, &bc.Index, &issued, &job, &printed); err != nil {
			return nil, fmt.Errorf("read batch cards: %w", err)
		}
		bc.IssuedAt, bc.Job = fromMS(issued), job.String
		if printed.Valid {
			at := fromMS(printed.Int64)
			bc.PrintedAt = &at
		}
		out = append(out, bc)
	}
	return out, rows.Err()
}
