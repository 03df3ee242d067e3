package sqlite

import (
	"database/sql"
	"path/filepath"
	"testing"
)

// The schema v0.1.0's migrations make is the one releasedSchema names, so
// that a ledger v0.1.0 made is told from a development build's.
func TestReleasedSchema(t *testing.T) {
	db, err := sql.Open("sqlite3", filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	all, err := embedded()
	if err != nil {
		t.Fatal(err)
	}
	for i, name := range released {
		if all[i].name != name {
			t.Fatalf("migration %d is %s, want %s", i, all[i].name, name)
		}
		if _, err := db.Exec(all[i].body); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	sum, err := schemaSum(db)
	if err != nil {
		t.Fatal(err)
	}
	if sum != releasedSchema {
		t.Fatalf("v0.1.0's migrations make schema %s, releasedSchema says %s", sum, releasedSchema)
	}
}
