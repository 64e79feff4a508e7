package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"time"
)

const (
	// maxCount bounds n in /queries and /update, as in the TechEmpower rules.
	maxCount = 500
	// healthTimeout bounds the database ping of /healthz.
	healthTimeout = 2 * time.Second
	// maxPooledBuffer keeps one /queries?n=500 answer; bigger buffers are
	// dropped instead of pooled so one odd request does not pin memory.
	maxPooledBuffer = 64 << 10
)

// endpoint is one row of the routing table. The same table builds the mux,
// decides where the knobs apply and writes the endpoint list of the help text
// and the README, so the three cannot disagree.
type endpoint struct {
	method  string
	path    string
	example string // query string shown in the docs
	answer  string // what it answers, for the docs
	// scenario endpoints are the ones the knobs can make worse.
	scenario bool
	// wrongBody is the answer under REFSTACK_WRONG_ANSWER: status 200, valid
	// JSON, wrong shape, so a correctness check catches it.
	wrongBody string
	handle    func(a *app, w http.ResponseWriter, r *http.Request)
}

var endpoints = []endpoint{
	{method: "GET", path: "/json", answer: `{"message":"Hello, World!"}`, scenario: true,
		wrongBody: `{"message":"wrong"}`, handle: (*app).handleJSON},
	{method: "GET", path: "/db", answer: `one random row by primary key: {"id":N,"randomNumber":M}`, scenario: true,
		wrongBody: `{"id":1}`, handle: (*app).handleDB},
	{method: "GET", path: "/queries", example: "?n=20", answer: "a JSON array of n random rows (n clamped to 1..500, missing or invalid: 1), one query each", scenario: true,
		wrongBody: `[{"id":1}]`, handle: (*app).handleQueries},
	{method: "GET", path: "/slow", answer: "one random row read with pg_sleep(0.02) on the server", scenario: true,
		wrongBody: `{"id":1}`, handle: (*app).handleSlow},
	{method: "POST", path: "/update", example: "?n=5", answer: "reads n random rows, gives each a new random number, writes them back in one batch, answers the updated rows", scenario: true,
		wrongBody: `[{"id":1}]`, handle: (*app).handleUpdate},
	{method: "GET", path: "/healthz", answer: "ok when the database answers a ping, 503 otherwise; never affected by knobs",
		handle: (*app).handleHealthz},
}

// app holds what the handlers share.
type app struct {
	store store
	// rows is the size of the world table: ids are drawn in 1..rows.
	rows int
	// intn returns a uniform random int in [0, n); it must be safe for
	// concurrent use (math/rand/v2's IntN is).
	intn func(n int) int
	errs *errorLog
}

// newHandler routes the endpoints, with the knobs around the scenario ones.
// Wrong methods get 405 and unknown paths 404 from the mux.
func newHandler(a *app, k *knobMiddleware) http.Handler {
	mux := http.NewServeMux()
	for _, e := range endpoints {
		var h http.Handler = a.bind(e.handle)
		if e.scenario {
			h = k.wrap(e, h)
		}
		mux.Handle(e.method+" "+e.path, h)
	}
	return mux
}

func (a *app) bind(handle func(*app, http.ResponseWriter, *http.Request)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handle(a, w, r) })
}

func (a *app) handleJSON(w http.ResponseWriter, _ *http.Request) {
	buf := getBuffer()
	defer putBuffer(buf)
	// Serialising per request, not a constant, is the point of this scenario.
	if err := json.NewEncoder(buf).Encode(message{Message: "Hello, World!"}); err != nil {
		http.Error(w, "encoding error", http.StatusInternalServerError)
		return
	}
	buf.Truncate(buf.Len() - 1) // Encode's newline
	writeJSON(w, buf.Bytes())
}

type message struct {
	Message string `json:"message"`
}

func (a *app) handleDB(w http.ResponseWriter, r *http.Request) {
	row, err := a.store.Row(r.Context(), a.randomID())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.writeRow(w, row)
}

func (a *app) handleSlow(w http.ResponseWriter, r *http.Request) {
	row, err := a.store.SlowRow(r.Context(), a.randomID())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.writeRow(w, row)
}

func (a *app) handleQueries(w http.ResponseWriter, r *http.Request) {
	rows, err := a.store.Rows(r.Context(), a.randomIDs(requestCount(r)))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.writeRows(w, rows)
}

func (a *app) handleUpdate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	rows, err := a.store.Rows(ctx, a.randomIDs(requestCount(r)))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	for i := range rows {
		rows[i].RandomNumber = a.newRandomNumber(rows[i].RandomNumber)
	}
	if err := a.store.Update(ctx, rows); err != nil {
		a.fail(w, r, err)
		return
	}
	a.writeRows(w, rows)
}

func (a *app) handleHealthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), healthTimeout)
	defer cancel()
	if err := a.store.Ping(ctx); err != nil {
		a.errs.print(err)
		http.Error(w, "database unreachable", http.StatusServiceUnavailable)
		return
	}
	w.Header()["Content-Type"] = textContentType
	w.Write([]byte("ok"))
}

// fail answers 500 for a database error and logs it, unless the client went
// away first: that is not the app's error.
func (a *app) fail(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() == nil {
		a.errs.print(err)
	}
	http.Error(w, "database error", http.StatusInternalServerError)
}

func (a *app) randomID() int32 {
	return int32(1 + a.intn(a.rows))
}

func (a *app) randomIDs(n int) []int32 {
	ids := make([]int32, n)
	for i := range ids {
		ids[i] = a.randomID()
	}
	return ids
}

// newRandomNumber draws a value in 1..maxRandomNumber other than old, so an
// update always changes the row and a check can see it did.
func (a *app) newRandomNumber(old int32) int32 {
	v := int32(1 + a.intn(maxRandomNumber-1))
	if v >= old {
		v++
	}
	return v
}

// requestCount reads n for /queries and /update: missing or invalid gives 1,
// and the value is clamped to 1..maxCount.
func requestCount(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("n"))
	switch {
	case err != nil || n < 1:
		return 1
	case n > maxCount:
		return maxCount
	}
	return n
}

func (a *app) writeRow(w http.ResponseWriter, row world) {
	buf := getBuffer()
	defer putBuffer(buf)
	buf.Write(appendWorld(buf.AvailableBuffer(), row))
	writeJSON(w, buf.Bytes())
}

func (a *app) writeRows(w http.ResponseWriter, rows []world) {
	buf := getBuffer()
	defer putBuffer(buf)
	b := append(buf.AvailableBuffer(), '[')
	for i, row := range rows {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendWorld(b, row)
	}
	buf.Write(append(b, ']'))
	writeJSON(w, buf.Bytes())
}

// appendWorld encodes a row by hand: the hot path of every database scenario.
func appendWorld(b []byte, row world) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, int64(row.ID), 10)
	b = append(b, `,"randomNumber":`...)
	b = strconv.AppendInt(b, int64(row.RandomNumber), 10)
	return append(b, '}')
}

// Shared header values: assigning them avoids an allocation per request;
// net/http never modifies them.
var (
	jsonContentType = []string{"application/json"}
	textContentType = []string{"text/plain; charset=utf-8"}
)

func writeJSON(w http.ResponseWriter, body []byte) {
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.Write(body)
}

var bufferPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func getBuffer() *bytes.Buffer {
	buf := bufferPool.Get().(*bytes.Buffer)
	buf.Reset()
	return buf
}

func putBuffer(buf *bytes.Buffer) {
	if buf.Cap() <= maxPooledBuffer {
		bufferPool.Put(buf)
	}
}
