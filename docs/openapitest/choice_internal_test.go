package openapitest

import (
	"net/url"
	"testing"
)

// tied is a document in which two operations match GET /a/b with as many
// fixed segments, and the shared error answer is referred to under two
// statuses.
const tied = `{
  "openapi": "3.1.0",
  "paths": {
    "/a/{x}": {"get": {"summary": "x", "parameters": [{"name": "x", "in": "path", "required": true, "schema": {"type": "string"}}],
      "responses": {"200": {"description": "OK."}, "400": {"$ref": "#/components/responses/bad"}}}},
    "/{y}/b": {"get": {"summary": "y", "parameters": [{"name": "y", "in": "path", "required": true, "schema": {"type": "string"}}],
      "responses": {"200": {"description": "OK."}, "422": {"$ref": "#/components/responses/bad"}}}}
  },
  "components": {"responses": {"bad": {"description": "Bad.", "content": {"application/json": {"schema": {"type": "object"}}}}}}
}`

// Where two operations match a request alike, or an error answer is
// given under two statuses, the choice is the same on every compiling of
// the document, whatever order its maps are read in: the first by path,
// method and status.
func TestTiesChosenAlike(t *testing.T) {
	u, err := url.Parse("/a/b")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 40 {
		d, err := compile([]byte(tied))
		if err != nil {
			t.Fatal(err)
		}
		if op := d.operation("GET", u); op == nil || op.route != "GET /a/{x}" {
			t.Fatalf("compiling %d: GET /a/b went to %v, want GET /a/{x}", i, op)
		}
		if d.unrouted["400"] == nil || len(d.unrouted) != 1 {
			t.Fatalf("compiling %d: the shared error answer is given under %v, want 400", i, keys(d.unrouted))
		}
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
