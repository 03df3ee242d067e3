package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migration is one file of migrations/: its name and the SHA-256 of its text.
type migration struct {
	name, sum, body string
}

// embedded lists this build's migrations in the order they apply.
func embedded() ([]migration, error) {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	out := make([]migration, len(names))
	for i, name := range names {
		body, err := migrations.ReadFile(name)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(body)
		out[i] = migration{name: name, sum: hex.EncodeToString(sum[:]), body: string(body)}
	}
	return out, nil
}

// released are the migrations of v0.1.0, the first release, which recorded
// their names but not their checksums. A ledger that has these names and no
// checksums is a v0.1.0 ledger when its schema is the one they make.
var released = []string{
	"migrations/0001_ledger.sql",
	"migrations/0002_event_keys.sql",
	"migrations/0003_lot_credits.sql",
	"migrations/0004_receipt_facts.sql",
	"migrations/0005_cards_by_number.sql",
}

// releasedSchema is the SHA-256 of the schema that v0.1.0's migrations make
// (schemaSum): a development build before it made another, from migrations
// that were edited before the release.
const releasedSchema = "6015ce4e13ec40abaeb664aa3e23202fb4141123f3a21dc1c5760f005e291d06"

// schemaSum is the SHA-256 of the ledger's schema: every table, index and
// trigger as SQLite keeps its text, but for the migrations table itself.
func schemaSum(q interface {
	Query(string, ...any) (*sql.Rows, error)
}) (string, error) {
	rows, err := q.Query(`SELECT type, name, coalesce(sql, '') FROM sqlite_master
		WHERE name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations' ORDER BY type, name`)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	h := sha256.New()
	for rows.Next() {
		var typ, name, text string
		if err := rows.Scan(&typ, &name, &text); err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s %s\n%s\n", typ, name, text)
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// migrate brings the ledger to this build's schema in one transaction, so
// that several processes opening a new file at once apply each migration
// once: the first takes the write lock, the others find it done. It refuses
// a ledger whose applied migrations are not this build's: one made by a
// development build (a migration's text differs from what it applied) or by
// a newer Tochka (it applied migrations this build does not have).
//
// Foreign keys are off while it runs, as SQLite asks of schema changes that
// rebuild a table, and checked before it commits.
func (s *Store) migrate() (err error) {
	want, err := embedded()
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if _, err := s.db.Exec(`PRAGMA foreign_keys = OFF`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer func() {
		if s.replica {
			return // a replica runs with its foreign keys off
		}
		if _, ferr := s.db.Exec(`PRAGMA foreign_keys = ON`); ferr != nil && err == nil {
			err = fmt.Errorf("migrate: %w", ferr)
		}
	}()
	tx, err := s.db.Begin()
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer tx.Rollback()
	for _, q := range []string{
		`CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY)`,
	} {
		if _, err := tx.Exec(q); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
	}
	if err := addChecksumColumn(tx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	applied, err := appliedMigrations(tx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	resummed, done := amend(applied, want)
	if err := s.verify(tx, want, applied); err != nil {
		return err
	}
	changed, scrub := false, false
	for _, m := range resummed {
		if _, err := tx.Exec(`UPDATE schema_migrations SET checksum = ? WHERE name = ?`, m.sum, m.name); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		changed = true
	}
	for _, m := range done {
		if err := record(tx, m); err != nil {
			return err
		}
		changed = true
	}
	var steps []string // migrations just applied that have an upgrade step
	for _, m := range want {
		sum, ok := applied[m.name]
		switch {
		case ok && sum == "":
			// A v0.1.0 ledger's, verified by its schema: record the sum.
			if _, err := tx.Exec(`UPDATE schema_migrations SET checksum = ? WHERE name = ?`, m.sum, m.name); err != nil {
				return fmt.Errorf("migrate: %w", err)
			}
			changed = true
		case ok:
		default:
			if _, err := tx.Exec(m.body); err != nil {
				return fmt.Errorf("migrate %s: %w", path.Base(m.name), err)
			}
			for _, r := range append([]migration{m}, coveredBy(m, applied, want)...) {
				if err := record(tx, r); err != nil {
					return err
				}
			}
			if upgrades[m.name] != nil {
				steps = append(steps, m.name)
			}
			changed = true
			scrub = scrub || (erasing[m.name] && len(applied) > 0) // a new ledger has nothing to erase
		}
	}
	if !changed {
		tx.Rollback() // nothing to commit: the rollback ends the read
		return s.scrub()
	}
	if scrub {
		if _, err := tx.Exec(fmt.Sprintf(`PRAGMA user_version = %d`, scrubPending)); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
	}
	// The steps run once every migration has applied: they are this
	// build's code, which writes the schema as this build has it.
	var warnings []lang.Msg
	for _, name := range steps {
		w, err := s.upgrade(tx, upgrades[name])
		if err != nil {
			return fmt.Errorf("migrate %s: %w", path.Base(name), err)
		}
		warnings = append(warnings, w...)
	}
	// A replica's keys are broken by design: it holds no events of the
	// central ledger's, which its rows refer to.
	rows, err := tx.Query(`PRAGMA foreign_key_check`)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	broken := rows.Next()
	rows.Close()
	if broken && !s.replica {
		return errors.New("migrate: the migrations would break foreign keys")
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	// Told once the upgrade is done: a try that met a lock and was rolled
	// back is tried again, and would warn again.
	for _, w := range warnings {
		s.Logger.Warn(w.In(lang.EN))
	}
	s.Warnings = append(s.Warnings, warnings...)
	return s.scrub()
}

// record records the migration m as applied, with its checksum.
func record(tx *sql.Tx, m migration) error {
	if _, err := tx.Exec(`INSERT INTO schema_migrations (name, checksum) VALUES (?, ?)`, m.name, m.sum); err != nil {
		return fmt.Errorf("migrate %s: %w", path.Base(m.name), err)
	}
	return nil
}

// scrubPending is the ledger's user_version while a migration that erased
// personal data waits for the files to be written anew: set in the
// migration's transaction, cleared once done, so that an interrupted
// scrub is done at the next open.
const scrubPending = 1

// scrub writes the ledger's files anew when a migration left that to do:
// what the migration erased may survive in pages that a ledger made before
// secure_delete freed without zeroing. VACUUM writes every page anew, and
// the checkpoint leaves no old image in the log.
func (s *Store) scrub() error {
	var v int
	if err := s.db.QueryRow(`PRAGMA user_version`).Scan(&v); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if v != scrubPending {
		return nil
	}
	if _, err := s.db.Exec(`VACUUM`); err != nil {
		return fmt.Errorf("migrate: vacuum: %w", err)
	}
	if _, err := s.db.Exec(`PRAGMA user_version = 0`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if err := s.checkpoint(context.Background()); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// erasing names the migrations that move personal data out of where they
// were: once one of them has run, the ledger's files are written anew, so
// that nothing of what it moved is left in a free page or the log.
var erasing = map[string]bool{"migrations/0008_people.sql": true}

// amended are the migrations whose text changed after a build that landed
// applied it, which must not happen again: by name, the checksums of the
// other texts that landed. 0017 and 0019 landed as first written (39f146a,
// and again 4492a75) and as amended (f7f8d39), which reworded 0017 and
// made 0019 make replica_resync and replica.behind; the files hold the
// amended texts, which the builds that landed last before this one
// applied to new ledgers. A ledger that applied another text has this
// build's checksum recorded for it.
var amended = map[string][]string{
	"migrations/0017_replica_events.sql":  {"84775d290cde184a0be377d2fd6c9730d0346d2ff741b02a396d64404c8750c6"},
	"migrations/0019_outbox_personal.sql": {"ceaafb90086d7476e93b11d1d2ac6d37f3e2f25eaf7426da492b8bffdcf4b850"},
}

// covers names, for a migration, the later ones whose work its text does
// too: 0019 as amended makes what 0020 makes for the ledgers whose 0019
// was the first text. Where this text of 0019 is applied, 0020 is
// recorded as applied and not run.
var covers = map[string][]string{
	"migrations/0019_outbox_personal.sql": {"migrations/0020_replica_resync.sql"},
}

// amend takes, in applied, this build's checksum for another text of an
// amended migration that a ledger applied, and records as applied the
// migrations that the texts it applied covered: what the ledger's
// migrations table must be told (resummed: the checksum to record; done:
// the migration to record as applied).
func amend(applied map[string]string, want []migration) (resummed, done []migration) {
	for _, m := range want {
		switch sum, has := applied[m.name]; {
		case !has:
		case sum == m.sum:
			done = append(done, coveredBy(m, applied, want)...)
		case slices.Contains(amended[m.name], sum):
			applied[m.name] = m.sum
			resummed = append(resummed, m)
		}
	}
	return resummed, done
}

// coveredBy records in applied, and returns, the migrations m's text
// covers that applied lacks.
func coveredBy(m migration, applied map[string]string, want []migration) []migration {
	var out []migration
	for _, name := range covers[m.name] {
		if _, has := applied[name]; has {
			continue
		}
		i := slices.IndexFunc(want, func(w migration) bool { return w.name == name })
		applied[name] = want[i].sum
		out = append(out, want[i])
	}
	return out
}

// upgrades are the steps of an upgrade that SQL cannot take, by the
// migration they belong to: each runs once, when its migration applies (to
// a new ledger as to an old one), in the migrations' transaction after the
// last of them, and returns what the operator should be told.
var upgrades = map[string]func(t *txn) (warnings []lang.Msg, err error){
	"migrations/0008_people.sql":   (*txn).normalizePhones,
	"migrations/0010_pictures.sql": (*txn).importPictures,
}

// upgrade runs an upgrade step in the migrations' transaction, as a
// command runs: with the program stored and the host's clock, so that
// what it changes in the ledger it records as events.
func (s *Store) upgrade(tx *sql.Tx, step func(t *txn) ([]lang.Msg, error)) ([]lang.Msg, error) {
	t := &txn{s: s, ctx: context.Background(), tx: tx, accounts: map[int64]*account{}, cards: map[string]*cardRow{},
		until: s.Now().UTC().Truncate(time.Millisecond)}
	if err := tx.QueryRow(`SELECT coalesce(max(seq), 0) FROM events`).Scan(&t.lastSeq); err != nil {
		return nil, err
	}
	prog, err := t.latestProgram()
	if err != nil {
		return nil, err
	}
	t.prog = prog
	warnings, err := step(t)
	if err != nil {
		return nil, err
	}
	return warnings, t.saveAccounts()
}

// addChecksumColumn gives a migrations table made before checksums were
// recorded its checksum column.
func addChecksumColumn(tx *sql.Tx) error {
	var n int
	if err := tx.QueryRow(`SELECT count(*) FROM pragma_table_info('schema_migrations') WHERE name = 'checksum'`).Scan(&n); err != nil || n > 0 {
		return err
	}
	_, err := tx.Exec(`ALTER TABLE schema_migrations ADD COLUMN checksum TEXT`)
	return err
}

// readable looks at the migrations of a ledger opened ReadOnly, changing
// nothing: it refuses a ledger made by a development build, and one that
// lacks migrations of this build, whose schema the queries do not know. One
// with migrations this build does not know is read as it is.
func (s *Store) readable() error {
	want, err := embedded()
	if err != nil {
		return fmt.Errorf("open: %w", err)
	}
	tx, err := s.db.Begin()
	if err != nil {
		return fmt.Errorf("open: %w", err)
	}
	defer tx.Rollback()
	applied, err := appliedMigrations(tx)
	if err != nil {
		return fmt.Errorf("open: %w", err)
	}
	amend(applied, want)
	return s.verify(tx, want, applied)
}

// appliedMigrations maps each migration a ledger applied to its recorded
// checksum ("" where none was recorded, or the table has no checksums).
func appliedMigrations(tx *sql.Tx) (map[string]string, error) {
	var sums int
	if err := tx.QueryRow(`SELECT count(*) FROM pragma_table_info('schema_migrations') WHERE name = 'checksum'`).Scan(&sums); err != nil {
		return nil, err
	}
	q := `SELECT name, coalesce(checksum, '') FROM schema_migrations`
	if sums == 0 {
		q = `SELECT name, '' FROM schema_migrations`
	}
	rows, err := tx.Query(q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var name, sum string
		if err := rows.Scan(&name, &sum); err != nil {
			return nil, err
		}
		out[name] = sum
	}
	return out, rows.Err()
}

// verify refuses a ledger that this build must not write to or, ReadOnly,
// read.
func (s *Store) verify(tx *sql.Tx, want []migration, applied map[string]string) error {
	known := map[string]string{}
	var lacking []string
	for _, m := range want {
		known[m.name] = m.sum
		if _, ok := applied[m.name]; !ok {
			lacking = append(lacking, path.Base(m.name))
		}
	}
	var newer, edited, unsummed []string
	for name, sum := range applied {
		switch ksum, ok := known[name]; {
		case !ok:
			newer = append(newer, path.Base(name))
		case sum == "":
			unsummed = append(unsummed, name)
		case sum != ksum:
			edited = append(edited, path.Base(name))
		}
	}
	sort.Strings(newer)
	sort.Strings(edited)
	sort.Strings(unsummed)
	// Read-only, a newer Tochka's ledger is read as far as its schema is
	// this build's: what it lacks of this build's, it is not.
	if len(newer) > 0 && (!s.ReadOnly || len(lacking) > 0) {
		return rewards.Fail(rewards.EINVALID, "ledger.newer", lang.Args{"path": s.Path, "migrations": strings.Join(newer, ", ")})
	}
	if len(edited) > 0 {
		return devBuild(s.Path, lang.M("ledger.why.edited", lang.Args{"migrations": strings.Join(edited, ", ")}))
	}
	if len(unsummed) > 0 {
		// No checksums: made by v0.1.0, which applied all its migrations
		// and recorded only their names, or by a development build before
		// it.
		if strings.Join(unsummed, " ") != strings.Join(released, " ") {
			return devBuild(s.Path, lang.M("ledger.why.unsummed", lang.Args{"migrations": strings.Join(unsummed, ", ")}))
		}
		sum, err := schemaSum(tx)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		if sum != releasedSchema {
			return devBuild(s.Path, lang.M("ledger.why.schema", nil))
		}
	}
	if s.ReadOnly && (len(lacking) > 0 || len(unsummed) > 0) {
		return upgradeError{rewards.Fail(rewards.EINVALID, "ledger.older_read_only", lang.Args{"path": s.Path, "migrations": strings.Join(lacking, ", ")})}
	}
	return nil
}

// upgradeError is the refusal of a ReadOnly Open of an older ledger: a
// domain error that wraps ErrUpgrade too.
type upgradeError struct{ err *rewards.Error }

func (e upgradeError) Error() string   { return e.err.Error() }
func (e upgradeError) Unwrap() []error { return []error{e.err, ErrUpgrade} }

func devBuild(path string, why lang.Msg) error {
	return rewards.Fail(rewards.EINVALID, "ledger.dev_build", lang.Args{"path": path, "why": why})
}
