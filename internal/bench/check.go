package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/stackgate/stackgate/internal/config"
	"github.com/stackgate/stackgate/internal/stack"
)

// maxShownBody bounds how much of a wrong answer an error message shows.
const maxShownBody = 512

// checkEndpoint sends the scenario's request once and refuses to time an endpoint that
// answers wrongly: the status, the content type and the body must be as the scenario
// expects. The error shows the offending response.
func checkEndpoint(ctx context.Context, url string, sc config.Scenario, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, sc.Method, url, strings.NewReader(sc.Body))
	if err != nil {
		return fmt.Errorf("building the check request: %w", err)
	}
	for k, v := range sc.Headers {
		req.Header.Set(k, v)
	}
	resp, body, excess, err := exchange(ctx, req)
	if err != nil {
		return fmt.Errorf("correctness check: %s %s: %w", sc.Method, sc.Path, err)
	}
	problem := wrongAnswer(sc.Expect, resp.StatusCode, resp.Header.Get("Content-Type"), body)
	if problem == "" && len(excess) > 0 {
		problem = fmt.Sprintf("%d bytes after the end of the response (%q): it is longer than its framing says (Content-Length %d, transfer encoding %q)",
			len(excess), shown(excess), resp.ContentLength, strings.Join(resp.TransferEncoding, ", "))
	}
	if problem != "" {
		return &WrongAnswerError{Method: sc.Method, Path: sc.Path, Problem: problem,
			Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Body: shown(body)}
	}
	return nil
}

// exchange sends req on a connection of its own and reads the answer: its body, and the
// bytes that came after its end (a response longer than its framing; the load engine
// counts it as an error, so the check refuses it first).
func exchange(ctx context.Context, req *http.Request) (resp *http.Response, body, excess []byte, err error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", req.URL.Host)
	if err != nil {
		return nil, nil, nil, err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if err := req.Write(conn); err != nil {
		return nil, nil, nil, err
	}
	r := bufio.NewReader(conn)
	for resp == nil || resp.StatusCode >= 100 && resp.StatusCode < 200 && resp.StatusCode != 101 {
		if resp, err = http.ReadResponse(r, req); err != nil { // interim answers (103) skipped
			return nil, nil, nil, err
		}
	}
	defer resp.Body.Close()
	if body, err = io.ReadAll(io.LimitReader(resp.Body, 1<<20)); err != nil {
		return nil, nil, nil, fmt.Errorf("reading the answer: %w", err)
	}
	if !resp.Close && r.Buffered() > 0 {
		excess, _ = r.Peek(r.Buffered())
	}
	return resp, body, excess, nil
}

// wrongAnswer says what is wrong with a response, or "" when it is right.
func wrongAnswer(want config.Expect, status int, contentType string, body []byte) string {
	switch {
	case want.Status != 0 && status != want.Status:
		return fmt.Sprintf("status %d, expected %d", status, want.Status)
	case want.Status == 0 && (status < 200 || status > 299):
		return fmt.Sprintf("status %d, expected a 2xx status", status)
	case want.ContentType != "" && !sameMediaType(contentType, want.ContentType):
		return fmt.Sprintf("content type %q, expected %q", contentType, want.ContentType)
	case want.BodyContains != "" && !bytes.Contains(body, []byte(want.BodyContains)):
		return fmt.Sprintf("the body does not contain %q", want.BodyContains)
	case len(want.JSONFields) > 0:
		return missingJSONFields(body, want.JSONFields)
	}
	return ""
}

// missingJSONFields says what is wrong with a body that must be a JSON object with fields,
// or a non-empty array of such objects ("" when it is right).
func missingJSONFields(body []byte, fields []string) string {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Sprintf("the body is not JSON (%v)", err)
	}
	objects := []any{v}
	if arr, ok := v.([]any); ok {
		if len(arr) == 0 {
			return "the body is an empty JSON array, expected objects with " + strings.Join(fields, ", ")
		}
		objects = arr
	}
	for i, o := range objects {
		obj, ok := o.(map[string]any)
		if !ok {
			return fmt.Sprintf("element %d of the body is not a JSON object", i)
		}
		for _, f := range fields {
			if _, ok := obj[f]; !ok {
				return fmt.Sprintf("the JSON body lacks the field %q", f)
			}
		}
	}
	return ""
}

// sameMediaType compares media types without parameters ("application/json; charset=utf-8"
// is "application/json").
func sameMediaType(got, want string) bool {
	g, _, err := mime.ParseMediaType(got)
	if err != nil {
		return false
	}
	w, _, err := mime.ParseMediaType(want)
	if err != nil {
		return strings.EqualFold(got, want)
	}
	return g == w
}

func shown(body []byte) string {
	if len(body) > maxShownBody {
		return string(body[:maxShownBody]) + "…"
	}
	return string(body)
}

// WrongAnswerError is an endpoint that answered its correctness check wrongly.
type WrongAnswerError struct {
	Method, Path string
	Problem      string
	Status       int
	ContentType  string
	Body         string
}

func (e *WrongAnswerError) Error() string {
	return fmt.Sprintf("%s %s answered wrongly: %s\n  status: %d\n  content-type: %s\n  body: %s",
		e.Method, e.Path, e.Problem, e.Status, e.ContentType, e.Body)
}

// readiness converts the config's readiness into the stack's.
func readiness(r config.Ready) (stack.Ready, error) {
	out := stack.Ready{HTTP: r.HTTP, TCP: r.TCP, Timeout: r.Timeout.Duration}
	if r.Log != "" {
		re, err := compileLog(r.Log)
		if err != nil {
			return out, err
		}
		out.LogLine = re
	}
	return out, nil
}

func compileLog(expr string) (*regexp.Regexp, error) {
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, fmt.Errorf("ready.log: %w", err)
	}
	return re, nil
}
