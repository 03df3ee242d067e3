// Package openapitest holds the API's tests to its OpenAPI 3.1 document
// (docs/openapi.json): Handler wraps a handler under test, Transport the
// transport of a client of a started server, and each checks every
// request and every answer that passes against the operation the document
// gives its method and path, failing the test, by t.Errorf, on whatever
// the document does not describe.
//
// A request is checked only when the server answered it with a success:
// tests send malformed requests on purpose (bad JSON, unknown fields,
// bodies over the limit, fuzz), and the server's refusal of them is what
// they test. An answer is always checked: its status must be one the
// operation lists, its content type one the status lists, and a JSON body
// must hold to its schema, so a refusal must be the error envelope of its
// status. A request to no operation of the document must be refused, and
// its refusal is checked as the error envelope.
//
// Bodies that are not JSON (pictures, the metrics' text) are checked by
// their content type only.
package openapitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/tochka-loyalty/tochka/docs"
)

// docURL is the document's address for the schema compiler, which
// names it in its errors: where the API serves it.
const docURL = "https://tochka.invalid/v1/openapi.json"

// maxBody is the most of a body read to be checked: more than any route
// takes.
const maxBody = 64 << 20

// Handler returns h, checking each request it serves and each answer it
// gives against the document.
func Handler(t testing.TB, h http.Handler) http.Handler {
	d := mustLoad(t)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The body is read before the handler is called, so that what is
		// checked is all that was sent, whatever the handler reads of it,
		// and nothing is read from the client once it has its answer.
		var in []byte
		if r.Body != nil {
			in, r.Body = readAhead(r.Body)
		}
		rec := &recorder{ResponseWriter: w}
		h.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.header, rec.status = w.Header().Clone(), http.StatusOK
		}
		if _, set := rec.header["Content-Type"]; !set && rec.body.Len() > 0 {
			// What net/http sends for an answer without a content type.
			rec.header.Set("Content-Type", http.DetectContentType(rec.body.Bytes()))
		}
		d.report(t, exchange{req: r, reqBody: in, status: rec.status, header: rec.header, body: rec.body.Bytes()})
	})
}

// readAhead reads a request's body, at most maxBody of it, and returns
// what it read and a body that gives the handler the same bytes, then
// the error that stopped the reading, or the rest of a body longer than
// maxBody.
func readAhead(body io.ReadCloser) ([]byte, io.ReadCloser) {
	data, err := io.ReadAll(io.LimitReader(body, maxBody))
	var rest io.Reader
	switch {
	case err != nil:
		rest = errReader{err}
	case len(data) < maxBody:
		rest = bytes.NewReader(nil) // read to its end: the client is not asked again
	default:
		rest = body
	}
	return data, readCloser{io.MultiReader(bytes.NewReader(data), rest), body}
}

// readCloser is a request's body read from another reader than its own.
type readCloser struct {
	io.Reader
	io.Closer
}

// recorder passes an answer on and keeps its status, its header as it was
// sent, and its body.
type recorder struct {
	http.ResponseWriter
	status int
	header http.Header
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status, r.header = code, r.ResponseWriter.Header().Clone()
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.WriteHeader(http.StatusOK)
	}
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the writer underneath.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Transport returns base (nil: http.DefaultTransport), checking each
// request it carries and each answer it brings back against the document.
func Transport(t testing.TB, base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &transport{t: t, d: mustLoad(t), base: base}
}

// Client is an http.Client whose requests and answers are checked against
// the document (Transport).
func Client(t testing.TB) *http.Client {
	return &http.Client{Transport: Transport(t, nil)}
}

type transport struct {
	t    testing.TB
	d    *document
	base http.RoundTripper
}

func (tr *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	var sent []byte
	if req.Body != nil && req.Body != http.NoBody {
		var err error
		sent, err = io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		req = req.Clone(req.Context())
		req.Body = io.NopCloser(bytes.NewReader(sent))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(sent)), nil }
		req.ContentLength = int64(len(sent))
	}
	resp, err := tr.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	got, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		// An answer cut short (a server killed, a connection dropped) is
		// no answer to check: its reader gets the error as it would have.
		resp.Body = io.NopCloser(io.MultiReader(bytes.NewReader(got), errReader{err}))
		return resp, nil
	}
	resp.Body = io.NopCloser(bytes.NewReader(got))
	tr.d.report(tr.t, exchange{req: req, reqBody: sent, status: resp.StatusCode, header: resp.Header, body: got})
	return resp, nil
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// exchange is a request and its answer.
type exchange struct {
	req     *http.Request
	reqBody []byte
	status  int
	header  http.Header
	body    []byte
}

func success(status int) bool { return status/100 == 2 }

// report fails the test with each way the exchange differs from the
// document.
func (d *document) report(t testing.TB, x exchange) {
	t.Helper()
	route, problems := d.check(x)
	for _, p := range problems {
		t.Errorf("docs/openapi.json: %s %s (route %s) answered %d: %s", x.req.Method, x.req.URL.RequestURI(), route, x.status, p)
	}
}

// check is the operation the exchange went to ("none" when the document
// has none) and the ways it differs from the document.
func (d *document) check(x exchange) (string, []string) {
	op := d.operation(x.req.Method, x.req.URL)
	if op == nil {
		if success(x.status) || x.status/100 == 3 {
			return "none", []string{"the document has no operation " + x.req.Method + " " + x.req.URL.Path}
		}
		// A refusal of what the document does not describe (an unknown
		// route, a method a path lacks): the envelope of its status.
		r := d.unrouted[strconv.Itoa(x.status)]
		if r == nil {
			return "none", []string{fmt.Sprintf("status %d is no error the document describes", x.status)}
		}
		return "none", r.check(x.header, x.body)
	}
	var problems []string
	if success(x.status) {
		problems = op.checkRequest(x.req, x.reqBody)
	}
	r := op.responses[strconv.Itoa(x.status)]
	if r == nil {
		r = op.responses["default"]
	}
	if r == nil {
		return op.route, append(problems, fmt.Sprintf("status %d is not one the operation lists", x.status))
	}
	return op.route, append(problems, r.check(x.header, x.body)...)
}

// document is the OpenAPI document, its operations ready to check
// exchanges with.
type document struct {
	ops []*operation
	// unrouted are the answers to a request of no operation, by status:
	// the shared error answers (components/responses).
	unrouted map[string]*response
}

// operation is one method of one path.
type operation struct {
	route  string                // "POST /v1/receipts"
	method string                // "POST"
	segs   []string              // the path's segments, "{name}" for a parameter
	params map[string]*parameter // by "in name": "query at"
	// anyQuery: a parameter of the query takes every name (a free-form
	// object, style form): the route answers whatever its query says.
	anyQuery bool
	secure   bool // a bearer token needed
	body     *requestBody
	// responses by status ("200", "default").
	responses map[string]*response
}

type parameter struct {
	name, in string
	required bool
	schema   *jsonschema.Schema
	numeric  bool // its values are numbers, not strings
}

// value is a parameter's or a header's text as the JSON value its schema
// is of: a number when it is numeric and reads as one, else the text.
func value(text string, numeric bool) any {
	if numeric && json.Valid([]byte(text)) {
		if _, err := strconv.ParseFloat(text, 64); err == nil {
			return json.Number(text)
		}
	}
	return text
}

// schemaType is a schema's type: "integer", "object", a list of types
// (for a schema of several), or nil.
func schemaType(schema json.RawMessage) (any, error) {
	var s struct {
		Type any `json:"type"`
	}
	err := json.Unmarshal(schema, &s)
	return s.Type, err
}

// isNumber tells a schema type that is a number's: "integer" or "number".
func isNumber(typ any) bool { return typ == "integer" || typ == "number" }

type requestBody struct {
	required bool
	content  map[string]*jsonschema.Schema // by media range; nil: not JSON
}

type response struct {
	content map[string]*jsonschema.Schema // by media range; nil: not JSON
	headers []*parameter                  // the headers it gives, by name
}

// load is the document of package docs, compiled once for every test of
// the binary.
var load = sync.OnceValues(func() (*document, error) { return compile(docs.OpenAPI) })

func mustLoad(t testing.TB) *document {
	t.Helper()
	d, err := load()
	if err != nil {
		t.Fatalf("docs/openapi.json: %v", err)
	}
	return d
}

// The parts of the document compile reads.
type (
	docJSON struct {
		OpenAPI    string                              `json:"openapi"`
		Security   []map[string][]string               `json:"security"`
		Paths      map[string]map[string]operationJSON `json:"paths"`
		Components struct {
			Schemas   map[string]json.RawMessage `json:"schemas"`
			Responses map[string]json.RawMessage `json:"responses"`
		} `json:"components"`
	}
	operationJSON struct {
		Parameters  []json.RawMessage          `json:"parameters"`
		RequestBody json.RawMessage            `json:"requestBody"`
		Responses   map[string]json.RawMessage `json:"responses"`
		Security    *[]map[string][]string     `json:"security"`
	}
	parameterJSON struct {
		Name     string          `json:"name"`
		In       string          `json:"in"`
		Required bool            `json:"required"`
		Schema   json.RawMessage `json:"schema"`
		Style    string          `json:"style"`
	}
	requestBodyJSON struct {
		Required bool                       `json:"required"`
		Content  map[string]json.RawMessage `json:"content"`
	}
	responseJSON struct {
		Content map[string]json.RawMessage `json:"content"`
		Headers map[string]struct {
			Required bool            `json:"required"`
			Schema   json.RawMessage `json:"schema"`
		} `json:"headers"`
	}
)

// methods are the operations a path item may hold.
var methods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// compile reads the document and compiles each schema it gives a
// parameter, a request body or an answer.
func compile(data []byte) (*document, error) {
	var raw docJSON
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, err
	}
	if !strings.HasPrefix(raw.OpenAPI, "3.1.") {
		return nil, fmt.Errorf("openapi %q, not 3.1", raw.OpenAPI)
	}
	tree, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(docURL, tree); err != nil {
		return nil, err
	}
	b := &builder{c: c, tree: tree}
	// Every schema is one of JSON Schema 2020-12, the ones no operation
	// names too.
	for name := range raw.Components.Schemas {
		if _, err := b.schema("/components/schemas/" + escape(name)); err != nil {
			return nil, err
		}
	}
	d := &document{unrouted: map[string]*response{}}
	for path, item := range raw.Paths {
		for method, o := range item {
			if !slices.Contains(methods, method) {
				return nil, fmt.Errorf("paths %s: %q is no method", path, method)
			}
			op, err := b.operation(path, method, o, raw.Security)
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", strings.ToUpper(method), path, err)
			}
			d.ops = append(d.ops, op)
		}
	}
	// In order, so that of two that match a request alike operation
	// chooses the same on every compiling.
	slices.SortFunc(d.ops, func(a, b *operation) int { return strings.Compare(a.route, b.route) })
	for name := range raw.Components.Responses {
		ptr := "/components/responses/" + escape(name)
		r, err := b.response(ptr)
		if err != nil {
			return nil, fmt.Errorf("components/responses/%s: %w", name, err)
		}
		status, err := b.errorStatus(ptr)
		if err != nil {
			return nil, fmt.Errorf("components/responses/%s: %w", name, err)
		}
		d.unrouted[status] = r
	}
	return d, nil
}

// builder compiles the parts of one document.
type builder struct {
	c    *jsonschema.Compiler
	tree any // the document as the compiler read it
}

// escape is a name as a JSON pointer's token.
func escape(s string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}

// at is the JSON at the pointer, following a $ref there (to a part of
// the same document), and the pointer it was found at.
func (b *builder) at(ptr string) (any, string, error) {
	for range 8 {
		v := b.tree
		for _, tok := range strings.Split(ptr, "/")[1:] {
			tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
			var ok bool
			switch part := v.(type) {
			case map[string]any:
				v, ok = part[tok]
			case []any:
				i, err := strconv.Atoi(tok)
				if ok = err == nil && i >= 0 && i < len(part); ok {
					v = part[i]
				}
			}
			if !ok {
				return nil, ptr, fmt.Errorf("%s names nothing", ptr)
			}
		}
		m, ok := v.(map[string]any)
		if !ok {
			return v, ptr, nil
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			return v, ptr, nil
		}
		if !strings.HasPrefix(ref, "#/") {
			return nil, ptr, fmt.Errorf("%s: $ref %q is not of this document", ptr, ref)
		}
		ptr = ref[1:]
	}
	return nil, ptr, fmt.Errorf("%s: $ref after $ref", ptr)
}

// decode reads the JSON at the pointer, $ref followed, into v.
func (b *builder) decode(ptr string, v any) (string, error) {
	part, ptr, err := b.at(ptr)
	if err != nil {
		return ptr, err
	}
	data, err := json.Marshal(part)
	if err != nil {
		return ptr, err
	}
	return ptr, json.Unmarshal(data, v)
}

func (b *builder) schema(ptr string) (*jsonschema.Schema, error) {
	return b.c.Compile(docURL + "#" + ptr)
}

func (b *builder) operation(path, method string, o operationJSON, security []map[string][]string) (*operation, error) {
	op := &operation{
		route:     strings.ToUpper(method) + " " + path,
		method:    strings.ToUpper(method),
		segs:      strings.Split(path, "/"),
		params:    map[string]*parameter{},
		responses: map[string]*response{},
	}
	if o.Security != nil {
		security = *o.Security
	}
	for _, s := range security {
		if _, ok := s["bearer"]; ok {
			op.secure = true
		}
	}
	base := "/paths/" + escape(path) + "/" + method
	for i := range o.Parameters {
		p, err := b.parameter(fmt.Sprintf("%s/parameters/%d", base, i))
		switch {
		case err != nil:
			return nil, err
		case p == nil:
			op.anyQuery = true
			continue
		case p.in == "path" && !slices.Contains(op.segs, "{"+p.name+"}"):
			return nil, fmt.Errorf("path parameter %s is not in the path", p.name)
		}
		key := p.in + " " + p.name
		if p.in == "header" {
			key = p.in + " " + http.CanonicalHeaderKey(p.name)
		}
		op.params[key] = p
	}
	for _, seg := range op.segs {
		if name, ok := strings.CutPrefix(seg, "{"); ok && op.params["path "+strings.TrimSuffix(name, "}")] == nil {
			return nil, fmt.Errorf("the path's %s is no parameter", seg)
		}
	}
	if o.RequestBody != nil {
		var rb requestBodyJSON
		ptr, err := b.decode(base+"/requestBody", &rb)
		if err != nil {
			return nil, err
		}
		op.body = &requestBody{required: rb.Required, content: map[string]*jsonschema.Schema{}}
		for mt := range rb.Content {
			if op.body.content[mt], err = b.mediaSchema(ptr+"/content/"+escape(mt), mt); err != nil {
				return nil, err
			}
		}
	}
	if len(o.Responses) == 0 {
		return nil, fmt.Errorf("no answers")
	}
	for status := range o.Responses {
		r, err := b.response(base + "/responses/" + escape(status))
		if err != nil {
			return nil, fmt.Errorf("answer %s: %w", status, err)
		}
		op.responses[status] = r
	}
	return op, nil
}

// parameter compiles the parameter at the pointer; nil for one of the
// query that takes every name (a free-form object, style form).
func (b *builder) parameter(ptr string) (*parameter, error) {
	var p parameterJSON
	ptr, err := b.decode(ptr, &p)
	if err != nil {
		return nil, err
	}
	if p.Schema == nil {
		return nil, fmt.Errorf("parameter %s has no schema", p.Name)
	}
	s, err := b.schema(ptr + "/schema")
	if err != nil {
		return nil, err
	}
	typ, err := schemaType(p.Schema)
	if err != nil {
		return nil, err
	}
	if p.In == "query" && typ == "object" && (p.Style == "" || p.Style == "form") {
		return nil, nil
	}
	return &parameter{name: p.Name, in: p.In, required: p.Required, schema: s, numeric: isNumber(typ)}, nil
}

// mediaSchema compiles the schema of a JSON media type; other media
// types are checked by name only (nil).
func (b *builder) mediaSchema(ptr, mediaType string) (*jsonschema.Schema, error) {
	if !isJSON(mediaType) {
		return nil, nil
	}
	return b.schema(ptr + "/schema")
}

func (b *builder) response(ptr string) (*response, error) {
	var rj responseJSON
	ptr, err := b.decode(ptr, &rj)
	if err != nil {
		return nil, err
	}
	r := &response{content: map[string]*jsonschema.Schema{}}
	for mt := range rj.Content {
		if r.content[mt], err = b.mediaSchema(ptr+"/content/"+escape(mt), mt); err != nil {
			return nil, err
		}
	}
	for name, h := range rj.Headers {
		if h.Schema == nil {
			return nil, fmt.Errorf("header %s has no schema", name)
		}
		s, err := b.schema(ptr + "/headers/" + escape(name) + "/schema")
		if err != nil {
			return nil, err
		}
		typ, err := schemaType(h.Schema)
		if err != nil {
			return nil, err
		}
		r.headers = append(r.headers, &parameter{name: name, in: "header", required: h.Required, schema: s, numeric: isNumber(typ)})
	}
	slices.SortFunc(r.headers, func(a, b *parameter) int { return strings.Compare(a.name, b.name) })
	return r, nil
}

// errorStatus is the status a shared error answer is given with: the one
// under which the operations refer to it; of several, the first by path,
// method and status, so that every compiling chooses alike.
func (b *builder) errorStatus(ptr string) (string, error) {
	paths, _ := b.tree.(map[string]any)["paths"].(map[string]any)
	for _, path := range slices.Sorted(maps.Keys(paths)) {
		item := paths[path].(map[string]any)
		for _, method := range slices.Sorted(maps.Keys(item)) {
			responses, _ := item[method].(map[string]any)["responses"].(map[string]any)
			for _, status := range slices.Sorted(maps.Keys(responses)) {
				if ref, _ := responses[status].(map[string]any)["$ref"].(string); ref == "#"+ptr {
					return status, nil
				}
			}
		}
	}
	return "", fmt.Errorf("no operation answers it")
}

// operation is the document's operation of the method and path: the one
// whose path matches with the most fixed segments, the first by route of
// several.
func (d *document) operation(method string, u *url.URL) *operation {
	segs := strings.Split(u.EscapedPath(), "/")
	var best *operation
	bestFixed := -1
	for _, op := range d.ops {
		if op.method != method || len(op.segs) != len(segs) {
			continue
		}
		fixed := 0
		ok := true
		for i, s := range op.segs {
			switch {
			case strings.HasPrefix(s, "{"):
				if segs[i] == "" {
					ok = false
				}
			case s == segs[i]:
				fixed++
			default:
				ok = false
			}
		}
		if ok && fixed > bestFixed {
			best, bestFixed = op, fixed
		}
	}
	return best
}

// checkRequest is how a request the server took differs from the
// operation: its path's values, its query, its headers and its body.
func (op *operation) checkRequest(r *http.Request, body []byte) []string {
	var problems []string
	segs := strings.Split(r.URL.EscapedPath(), "/")
	for i, s := range op.segs {
		name, ok := strings.CutPrefix(s, "{")
		if !ok {
			continue
		}
		p := op.params["path "+strings.TrimSuffix(name, "}")]
		v, err := url.PathUnescape(segs[i])
		if err != nil {
			problems = append(problems, fmt.Sprintf("path parameter %s: %v", p.name, err))
			continue
		}
		if err := p.schema.Validate(value(v, p.numeric)); err != nil {
			problems = append(problems, fmt.Sprintf("path parameter %s %q: %v", p.name, v, err))
		}
	}
	query := r.URL.Query()
	for name, values := range query {
		p := op.params["query "+name]
		if p == nil && op.anyQuery {
			continue
		}
		if p == nil {
			problems = append(problems, fmt.Sprintf("query parameter %s is not one the operation takes", name))
			continue
		}
		for _, v := range values {
			if err := p.schema.Validate(value(v, p.numeric)); err != nil {
				problems = append(problems, fmt.Sprintf("query parameter %s %q: %v", name, v, err))
			}
		}
	}
	for _, p := range op.params {
		switch {
		case p.in == "query" && p.required && !query.Has(p.name):
			problems = append(problems, fmt.Sprintf("the required query parameter %s is missing", p.name))
		case p.in == "header" && r.Header.Get(p.name) != "":
			if err := p.schema.Validate(value(r.Header.Get(p.name), p.numeric)); err != nil {
				problems = append(problems, fmt.Sprintf("header %s: %v", p.name, err))
			}
		case p.in == "header" && p.required:
			problems = append(problems, fmt.Sprintf("the required header %s is missing", p.name))
		}
	}
	if op.secure {
		if scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " "); !strings.EqualFold(scheme, "Bearer") || token == "" {
			problems = append(problems, "answered with a success without a bearer token, which the operation needs")
		}
	}
	return append(problems, op.checkRequestBody(r.Header, body)...)
}

func (op *operation) checkRequestBody(h http.Header, body []byte) []string {
	if len(body) == 0 {
		if op.body != nil && op.body.required {
			return []string{"the request has no body, which the operation needs"}
		}
		return nil
	}
	if op.body == nil {
		return []string{"the request has a body, and the operation takes none"}
	}
	mt := mediaType(h.Get("Content-Type"))
	if mt == "" {
		// Without a content type, JSON where the operation takes it, or
		// what the bytes look like.
		if _, ok := op.body.content["application/json"]; ok {
			mt = "application/json"
		} else {
			mt = mediaType(http.DetectContentType(body))
		}
	}
	s, ok := match(op.body.content, mt)
	if !ok {
		return []string{fmt.Sprintf("the request's body is %s, which the operation does not take", mt)}
	}
	if err := validateJSON(s, body); err != nil {
		return []string{"the request's body: " + err.Error()}
	}
	return nil
}

// check is how an answer differs from the response: its headers, its
// content type and its body.
func (r *response) check(h http.Header, body []byte) []string {
	var problems []string
	for _, p := range r.headers {
		switch v := h.Get(p.name); {
		case v != "":
			if err := p.schema.Validate(value(v, p.numeric)); err != nil {
				problems = append(problems, fmt.Sprintf("the answer's header %s %q: %v", p.name, v, err))
			}
		case p.required:
			problems = append(problems, "the answer lacks the header "+p.name)
		}
	}
	if len(r.content) == 0 {
		if len(body) > 0 {
			problems = append(problems, fmt.Sprintf("the answer has a body of %d bytes, and the document gives it none", len(body)))
		}
		return problems
	}
	mt := mediaType(h.Get("Content-Type"))
	s, ok := match(r.content, mt)
	if !ok {
		return append(problems, fmt.Sprintf("the answer's content type %q is not one the document gives it", h.Get("Content-Type")))
	}
	if err := validateJSON(s, body); err != nil {
		problems = append(problems, "the answer: "+err.Error())
	}
	return problems
}

// match is the schema of the media range that the media type is of.
func match(content map[string]*jsonschema.Schema, mt string) (*jsonschema.Schema, bool) {
	if mt == "" {
		return nil, false
	}
	if s, ok := content[mt]; ok {
		return s, true
	}
	major, _, _ := strings.Cut(mt, "/")
	if s, ok := content[major+"/*"]; ok {
		return s, true
	}
	s, ok := content["*/*"]
	return s, ok
}

// validateJSON checks a JSON body against s; nil s is a body not of JSON,
// checked by its content type alone.
func validateJSON(s *jsonschema.Schema, body []byte) error {
	if s == nil {
		return nil
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("not JSON: %v", err)
	}
	return s.Validate(v)
}

// mediaType is a Content-Type's media type, lower case, without its
// parameters ("" when there is none).
func mediaType(ct string) string {
	if ct == "" {
		return ""
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return strings.ToLower(strings.TrimSpace(ct))
	}
	return mt
}

// isJSON tells a JSON media type: application/json or application/*+json.
func isJSON(mt string) bool {
	return mt == "application/json" || strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")
}
