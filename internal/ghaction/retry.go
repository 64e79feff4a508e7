package ghaction

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/google/go-github/v60/github"
)

// Retries of a GitHub API request that failed on the server's side or on a rate limit.
const (
	DefaultRetries   = 4               // after the first attempt
	DefaultRetryWait = time.Second     // the first back-off; doubled for each retry
	MaxRetryWait     = 2 * time.Minute // a rate limit resetting later than this is not waited for
)

// retrying retries requests answered with 5xx, 429, or a 403 that says a rate limit was
// hit, with exponential back-off or the wait the server asks for. It sits below
// go-github, whose own rate-limit bookkeeping therefore only sees the final answer.
//
// A request that is not idempotent (POST: create a comment, a check run) is only sent
// again when the failure proves that nothing was done — the connection could not be made,
// or a rate limit refused it with a hint when to come back. A 502 or a timeout may come
// after GitHub created the comment: the caller looks again before creating another.
type retrying struct {
	next    http.RoundTripper
	sleep   func(context.Context, time.Duration) error
	now     func() time.Time
	retries int
}

func (t *retrying) RoundTrip(req *http.Request) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		r, err := replay(req, attempt)
		if err != nil {
			return nil, err
		}
		resp, err := t.next.RoundTrip(r)
		wait, again := retryWait(resp, err, attempt, t.now())
		if again && !idempotent(req.Method) {
			again = nothingDone(resp, err)
		}
		if !again || attempt >= t.retries || req.Context().Err() != nil {
			return resp, err
		}
		discard(resp)
		if err := t.sleep(req.Context(), wait); err != nil {
			return nil, err
		}
	}
}

// replay is req for the given attempt, with a fresh body after the first one.
func replay(req *http.Request, attempt int) (*http.Request, error) {
	if attempt == 0 || req.Body == nil || req.Body == http.NoBody {
		return req, nil
	}
	if req.GetBody == nil {
		return nil, errors.New("retrying a GitHub API request: its body cannot be sent again")
	}
	body, err := req.GetBody()
	if err != nil {
		return nil, err
	}
	r := req.Clone(req.Context())
	r.Body = body
	return r, nil
}

func discard(resp *http.Response) {
	if resp != nil && resp.Body != nil {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
	}
}

// idempotent methods may be sent twice with the effect of once.
func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodOptions:
		return true // PATCH here edits a comment or check run to a given content
	}
	return false
}

// nothingDone reports a failure that proves the request had no effect: no connection was
// made, or a rate limit refused it (429, or 403 with a rate-limit header).
func nothingDone(resp *http.Response, err error) bool {
	if err != nil {
		var op *net.OpError
		return errors.As(err, &op) && op.Op == "dial"
	}
	return resp.StatusCode == http.StatusTooManyRequests ||
		resp.StatusCode == http.StatusForbidden && (resp.Header.Get("Retry-After") != "" || resp.Header.Get("X-RateLimit-Remaining") == "0")
}

// ambiguous reports a failed request that may or may not have been carried out: GitHub
// answered with a server error, or the connection broke after the request went out.
func ambiguous(err error) bool {
	var e *github.ErrorResponse
	if errors.As(err, &e) && e.Response != nil {
		return e.Response.StatusCode >= 500
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return false
	}
	var ue *url.Error
	return errors.As(err, &ue)
}

// retryWait says whether a request should be tried again, and after how long: transport
// errors and server errors after an exponential back-off; rate limits (429, or a 403 with
// X-RateLimit-Remaining: 0 or Retry-After) after the wait the server asks for, unless it
// is longer than MaxRetryWait. Other answers are final.
func retryWait(resp *http.Response, err error, attempt int, now time.Time) (time.Duration, bool) {
	backoff := DefaultRetryWait << attempt
	switch {
	case err != nil:
		return backoff, !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
	case resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented:
		return backoff, true
	case resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusForbidden:
		return 0, false
	}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 {
		wait := time.Duration(s) * time.Second
		return wait, wait <= MaxRetryWait
	}
	if resp.Header.Get("X-RateLimit-Remaining") == "0" {
		reset, err := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64)
		if err != nil {
			return backoff, true
		}
		wait := max(time.Unix(reset, 0).Sub(now), 0) + time.Second
		return wait, wait <= MaxRetryWait
	}
	// A 429 without a hint is still a rate limit; a plain 403 is a missing permission.
	return backoff, resp.StatusCode == http.StatusTooManyRequests
}
