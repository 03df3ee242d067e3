package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

var _ rewards.Pictures = (*Store)(nil)

// PutPicture stores a picture of the board under its hash, once: storing
// the same bytes again changes nothing. It records no event: a picture is a
// blob that ledgers fetch by its hash.
func (s *Store) PutPicture(ctx context.Context, p rewards.Picture) (rewards.Picture, error) {
	if err := p.Validate(); err != nil {
		return rewards.Picture{}, err
	}
	err := s.write(ctx, func(t *txn) error { return t.putPicture(p) })
	return p, err
}

func (t *txn) putPicture(p rewards.Picture) error {
	if _, err := t.exec(`INSERT INTO pictures (hash, bytes, media_type, width, height) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (hash) DO NOTHING`, p.Hash, p.Data, p.MediaType, p.Width, p.Height); err != nil {
		return fmt.Errorf("store picture: %w", err)
	}
	return nil
}

// Picture returns the stored picture with the hash.
func (s *Store) Picture(ctx context.Context, hash string) (rewards.Picture, error) {
	p := rewards.Picture{Hash: hash}
	err := s.read(ctx, func(t *txn) error {
		err := t.tx.QueryRowContext(ctx, `SELECT bytes, media_type, width, height FROM pictures WHERE hash = ?`, hash).
			Scan(&p.Data, &p.MediaType, &p.Width, &p.Height)
		if errors.Is(err, sql.ErrNoRows) {
			return rewards.Fail(rewards.ENOTFOUND, "picture.not_found", lang.Args{"hash": hash})
		} else if err != nil {
			return fmt.Errorf("read picture: %w", err)
		}
		return nil
	})
	if err != nil {
		return rewards.Picture{}, err
	}
	return p, nil
}

// pictureStored reports whether the ledger holds the picture with the hash.
func (t *txn) pictureStored(hash string) (bool, error) {
	var n int
	if err := t.queryRow(`SELECT count(*) FROM pictures WHERE hash = ?`, hash).Scan(&n); err != nil {
		return false, fmt.Errorf("look up picture: %w", err)
	}
	return n > 0, nil
}

// importPictures is the upgrade of a ledger whose rewards name their
// pictures by file path, as v0.1.0's did: each picture that can still be
// read is stored as the board keeps pictures (read by the store's
// ImportPicture), and its reward is put on the board again naming it by
// hash. One that cannot be read, or any when the store has no
// ImportPicture, is dropped from its reward, with a warning naming the
// reward and the file: a path is no picture on any other machine, and the
// poster and the check would trip over it forever; the reward's first
// event keeps the path, for whoever wants to find the file again. Each
// reward changed is one reward.add event, so that the log still makes the
// board a replay compares.
//
// A relative path is read from the working folder, as v0.1.0 did, and
// then from the ledger's folder, where a ledger copied with its pictures
// keeps them.
func (t *txn) importPictures() (warnings []lang.Msg, err error) {
	rows, err := t.query(`SELECT body FROM rewards ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("import pictures: %w", err)
	}
	var named []rewards.Reward
	for rows.Next() {
		var body string
		var r rewards.Reward
		if err := rows.Scan(&body); err != nil {
			rows.Close()
			return nil, fmt.Errorf("import pictures: %w", err)
		}
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			rows.Close()
			return nil, fmt.Errorf("import pictures: decode reward: %w", err)
		}
		if r.Picture != "" && !rewards.IsPictureHash(r.Picture) {
			named = append(named, r)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("import pictures: %w", err)
	}
	read := t.s.ImportPicture
	for _, r := range named {
		path := r.Picture
		var p rewards.Picture
		var why *lang.Msg
		if read == nil {
			why = &lang.Msg{Key: "picture.no_reader"}
		} else if p, err = read(path); err != nil {
			if !filepath.IsAbs(path) {
				if beside, berr := read(filepath.Join(filepath.Dir(t.s.Path), path)); berr == nil {
					p, err = beside, nil
				}
			}
			if err != nil {
				if rewards.ErrorCode(err) == rewards.EINTERNAL {
					return nil, fmt.Errorf("import picture of reward %s: %w", r.ID, err)
				}
				m := lang.M("problem.text", lang.Args{"text": rewards.ErrorMessage(err)})
				if e := (*rewards.Error)(nil); errors.As(err, &e) && e.Key != "" {
					m = lang.M(e.Key, e.Args)
				}
				why = &m
			}
		}
		if why != nil {
			r.Picture = ""
			warnings = append(warnings, lang.M("picture.not_imported", lang.Args{"reward": r.ID, "file": path, "problem": *why}))
		} else {
			if err := t.putPicture(p); err != nil {
				return nil, err
			}
			r.Picture = p.Hash
		}
		c := rewards.RewardAdd{Meta: rewards.Meta{At: t.until}, Reward: r}
		if _, err := run(t, eventKey{kind: rewards.EventRewardAdd}, t.until, c, func(ev *eventRec) (any, string, error) {
			return nil, r.ID, t.saveReward(&r)
		}); err != nil {
			return nil, fmt.Errorf("import picture of reward %s: %w", r.ID, err)
		}
	}
	return warnings, nil
}

// missingPictures names the rewards whose picture the ledger does not hold.
func (t *txn) missingPictures() ([]rewards.Problem, error) {
	rows, err := t.query(`SELECT id, json_extract(body, '$.picture') FROM rewards
		WHERE coalesce(json_extract(body, '$.picture'), '') <> ''
		AND json_extract(body, '$.picture') NOT IN (SELECT hash FROM pictures) ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []rewards.Problem
	for rows.Next() {
		var id, hash string
		if err := rows.Scan(&id, &hash); err != nil {
			return nil, err
		}
		out = append(out, rewards.NewProblem("check.picture_missing", lang.Args{"reward": id, "hash": hash}))
	}
	return out, rows.Err()
}

// unusedPictures lists the hashes of the stored pictures that no reward
// names (CheckReport.UnusedPictures).
func (t *txn) unusedPictures() ([]string, error) {
	rows, err := t.query(`SELECT hash FROM pictures WHERE hash NOT IN
		(SELECT json_extract(body, '$.picture') FROM rewards WHERE json_extract(body, '$.picture') IS NOT NULL) ORDER BY hash`)
	if err != nil {
		return nil, fmt.Errorf("list unused pictures: %w", err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var hash string
		if err := rows.Scan(&hash); err != nil {
			return nil, fmt.Errorf("list unused pictures: %w", err)
		}
		out = append(out, hash)
	}
	return out, rows.Err()
}
