package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
)

// testRows is the size of the world table behind the test servers.
const testRows = 100

// testStack is the app with its knobs on a real loopback server, over an
// in-memory store.
type testStack struct {
	url    string
	client *http.Client
	store  *memStore
	knobs  *knobMiddleware
	exits  *exitRecorder
}

func startStack(t *testing.T, k knobs) *testStack {
	t.Helper()
	s := newMemStore(testRows)
	a := &app{store: s, rows: testRows, intn: rand.IntN, errs: newErrorLog(log.New(io.Discard, "", 0))}
	exits := &exitRecorder{}
	m := newKnobMiddleware(k, a, exits.exit)
	srv := httptest.NewServer(newHandler(a, m))
	t.Cleanup(srv.Close)
	return &testStack{url: srv.URL, client: srv.Client(), store: s, knobs: m, exits: exits}
}

// exitRecorder stands for os.Exit in the crash knob's tests.
type exitRecorder struct {
	mu    sync.Mutex
	codes []int
}

func (r *exitRecorder) exit(code int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.codes = append(r.codes, code)
}

func (r *exitRecorder) calls() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.codes)
}

type response struct {
	status      int
	contentType string
	body        string
}

// do sends one request; a transport error (a dropped connection) is
// returned, not fatal, for the crash knob's tests.
func (ts *testStack) do(t *testing.T, method, path string) (response, error) {
	t.Helper()
	req, err := http.NewRequest(method, ts.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := ts.client.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, err
	}
	return response{status: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), body: string(body)}, nil
}

func (ts *testStack) mustDo(t *testing.T, method, path string) response {
	t.Helper()
	resp, err := ts.do(t, method, path)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp
}

// checkBody checks the answer of a scenario endpoint the way a correctness
// check would: exact document for /json, rows with exactly id and
// randomNumber in range for the others, n of them for the arrays.
func checkBody(path string, n int, body string) error {
	switch path {
	case "/json":
		if body != `{"message":"Hello, World!"}` {
			return fmt.Errorf("body %q, want the hello world document", body)
		}
		return nil
	case "/db", "/slow":
		_, err := decodeRow([]byte(body))
		return err
	}
	var rows []json.RawMessage
	if err := json.Unmarshal([]byte(body), &rows); err != nil {
		return fmt.Errorf("body %q is not a JSON array: %w", body, err)
	}
	if len(rows) != n {
		return fmt.Errorf("%d rows, want %d", len(rows), n)
	}
	for _, raw := range rows {
		if _, err := decodeRow(raw); err != nil {
			return err
		}
	}
	return nil
}

// decodeRow decodes {"id":N,"randomNumber":M}, refusing other fields and
// values out of range.
func decodeRow(raw []byte) (world, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return world{}, fmt.Errorf("row %s is not a JSON object: %w", raw, err)
	}
	if len(fields) != 2 || fields["id"] == nil || fields["randomNumber"] == nil {
		return world{}, fmt.Errorf("row %s: want exactly id and randomNumber", raw)
	}
	var w world
	if err := errors.Join(json.Unmarshal(fields["id"], &w.ID), json.Unmarshal(fields["randomNumber"], &w.RandomNumber)); err != nil {
		return world{}, fmt.Errorf("row %s: %w", raw, err)
	}
	if w.ID < 1 || w.ID > testRows || w.RandomNumber < 1 || w.RandomNumber > maxRandomNumber {
		return world{}, fmt.Errorf("row %s out of range", raw)
	}
	return w, nil
}

func TestEndpointsAnswer(t *testing.T) {
	ts := startStack(t, knobs{})
	tests := []struct {
		method, path string
		wantRows     int // for the arrays
	}{
		{"GET", "/json", 0},
		{"GET", "/db", 0},
		{"GET", "/slow", 0},
		{"GET", "/queries?n=20", 20},
		{"POST", "/update?n=5", 5},
		{"HEAD", "/json", 0}, // GET routes answer HEAD too
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			resp := ts.mustDo(t, tt.method, tt.path)
			if resp.status != http.StatusOK || resp.contentType != "application/json" {
				t.Fatalf("status %d, content type %q; want 200, application/json", resp.status, resp.contentType)
			}
			if tt.method == "HEAD" {
				return
			}
			path, _, _ := strings.Cut(tt.path, "?")
			if err := checkBody(path, tt.wantRows, resp.body); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestEndpointsAnswerTheStoredRows(t *testing.T) {
	ts := startStack(t, knobs{})
	for _, path := range []string{"/db", "/slow", "/queries?n=10"} {
		body := ts.mustDo(t, "GET", path).body
		if !strings.HasPrefix(body, "[") {
			body = "[" + body + "]"
		}
		var rows []world
		if err := json.Unmarshal([]byte(body), &rows); err != nil {
			t.Fatal(err)
		}
		for _, w := range rows {
			if want := ts.store.randomNumber(w.ID); w.RandomNumber != want {
				t.Errorf("GET %s: row %d has randomNumber %d, the store %d", path, w.ID, w.RandomNumber, want)
			}
		}
	}
}

func TestUpdateWritesNewNumbers(t *testing.T) {
	ts := startStack(t, knobs{})
	before := make(map[int32]int32, testRows)
	for id := int32(1); id <= testRows; id++ {
		before[id] = ts.store.randomNumber(id)
	}
	var rows []world
	if err := json.Unmarshal([]byte(ts.mustDo(t, "POST", "/update?n=20").body), &rows); err != nil {
		t.Fatal(err)
	}
	final := make(map[int32]int32) // a repeated id keeps its last number
	for _, w := range rows {
		if w.RandomNumber == before[w.ID] {
			t.Errorf("row %d kept randomNumber %d", w.ID, w.RandomNumber)
		}
		final[w.ID] = w.RandomNumber
	}
	for id, n := range final {
		if got := ts.store.randomNumber(id); got != n {
			t.Errorf("row %d: store has %d, answer said %d", id, got, n)
		}
	}
	if got := ts.store.callCount("Update"); got != 1 {
		t.Errorf("%d Update calls, want 1 (one batch)", got)
	}
}

func TestNewRandomNumberDiffersAndStaysInRange(t *testing.T) {
	for _, draw := range []int{0, 1, maxRandomNumber / 2, maxRandomNumber - 2} {
		a := &app{intn: func(int) int { return draw }}
		for _, old := range []int32{1, 2, maxRandomNumber / 2, maxRandomNumber - 1, maxRandomNumber} {
			v := a.newRandomNumber(old)
			if v == old || v < 1 || v > maxRandomNumber {
				t.Errorf("draw %d, old %d: new number %d", draw, old, v)
			}
		}
	}
}

func TestCountIsClamped(t *testing.T) {
	ts := startStack(t, knobs{})
	tests := []struct {
		query string
		want  int
	}{
		{"", 1},              // missing
		{"?n=", 1},           // empty
		{"?n=abc", 1},        // not a number
		{"?n=1e3", 1},        // not an integer
		{"?n=0", 1},          // below the range
		{"?n=-3", 1},         // negative
		{"?n=1", 1},          // low end
		{"?n=20", 20},        // the standard scenario
		{"?n=500", 500},      // high end
		{"?n=501", 500},      // above the range
		{"?n=99999999", 500}, // far above
	}
	for _, tt := range tests {
		for _, r := range []struct{ method, path string }{{"GET", "/queries"}, {"POST", "/update"}} {
			resp := ts.mustDo(t, r.method, r.path+tt.query)
			if err := checkBody(r.path, tt.want, resp.body); err != nil {
				t.Errorf("%s %s%s: %v", r.method, r.path, tt.query, err)
			}
		}
	}
}

func TestWrongMethodAndUnknownPath(t *testing.T) {
	ts := startStack(t, knobs{})
	tests := []struct {
		method, path string
		want         int
	}{
		{"POST", "/json", http.StatusMethodNotAllowed},
		{"DELETE", "/db", http.StatusMethodNotAllowed},
		{"PUT", "/queries", http.StatusMethodNotAllowed},
		{"POST", "/slow", http.StatusMethodNotAllowed},
		{"GET", "/update", http.StatusMethodNotAllowed},
		{"POST", "/healthz", http.StatusMethodNotAllowed},
		{"GET", "/nope", http.StatusNotFound},
		{"GET", "/", http.StatusNotFound},
		{"GET", "/json/extra", http.StatusNotFound},
	}
	for _, tt := range tests {
		if got := ts.mustDo(t, tt.method, tt.path).status; got != tt.want {
			t.Errorf("%s %s: status %d, want %d", tt.method, tt.path, got, tt.want)
		}
	}
}

func TestDatabaseErrorAnswers500(t *testing.T) {
	ts := startStack(t, knobs{})
	ts.store.err = errors.New("connection refused") // before any request: no race
	tests := []struct {
		method, path string
		want         int
		body         string
	}{
		{"GET", "/db", http.StatusInternalServerError, "database error\n"},
		{"GET", "/slow", http.StatusInternalServerError, "database error\n"},
		{"GET", "/queries?n=3", http.StatusInternalServerError, "database error\n"},
		{"POST", "/update?n=3", http.StatusInternalServerError, "database error\n"},
		{"GET", "/healthz", http.StatusServiceUnavailable, "database unreachable\n"},
		{"GET", "/json", http.StatusOK, `{"message":"Hello, World!"}`},
	}
	for _, tt := range tests {
		resp := ts.mustDo(t, tt.method, tt.path)
		if resp.status != tt.want || resp.body != tt.body {
			t.Errorf("%s %s: %d %q, want %d %q", tt.method, tt.path, resp.status, resp.body, tt.want, tt.body)
		}
	}
}

func TestHealthz(t *testing.T) {
	ts := startStack(t, knobs{})
	resp := ts.mustDo(t, "GET", "/healthz")
	if resp.status != http.StatusOK || resp.body != "ok" || !strings.HasPrefix(resp.contentType, "text/plain") {
		t.Errorf("GET /healthz: %d %q %q, want 200 \"ok\" text/plain", resp.status, resp.body, resp.contentType)
	}
	if got := ts.store.callCount("Ping"); got != 1 {
		t.Errorf("%d pings, want 1", got)
	}
}

func TestIDsAreDrawnFromTheWholeTable(t *testing.T) {
	var mu sync.Mutex
	var asked []int
	a := &app{rows: 7, intn: func(n int) int {
		mu.Lock()
		defer mu.Unlock()
		asked = append(asked, n)
		return n - 1
	}}
	if got := a.randomID(); got != 7 {
		t.Errorf("largest draw gave id %d, want 7", got)
	}
	a.intn = func(int) int { return 0 }
	if got := a.randomID(); got != 1 {
		t.Errorf("smallest draw gave id %d, want 1", got)
	}
	if !slices.Equal(asked, []int{7}) {
		t.Errorf("intn asked for %v, want [7]", asked)
	}
}
