// Package infracast is the Go client for the Infracast REST API: discovery jobs, the graph
// (nodes, edges), findings, compliance scores, path tracing, reports and webhooks.
//
//	client := infracast.NewClient("https://api.infracast.io", "ic_live_…")
//	summary, err := client.Compliance.Summary(ctx, "my-tenant")
//
// It uses the standard library only. Answers are typed structs; errors are *APIError (match with
// errors.Is(err, infracast.ErrNotFound)); lists have iterators that follow the keyset cursor.
package infracast

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math/rand"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Version of this SDK.
const Version = "0.1.0"

// Client talks to one Infracast server. It is safe for concurrent use.
type Client struct {
	apiURL       string
	httpClient   *http.Client
	maxRetries   int
	maxRetryWait time.Duration
	onRetry      func(attempt int, delay time.Duration, err error)
	tokenLock    sync.Mutex
	token        string
	refreshToken string

	Health      *HealthService
	Auth        *AuthService
	Tenants     *TenantsService
	APIKeys     *APIKeysService
	Nodes       *NodesService
	Edges       *EdgesService
	Jobs        *JobsService
	Schedules   *SchedulesService
	Findings    *FindingsService
	Rules       *RulesService
	Evaluations *EvaluationsService
	PathTracer  *PathTracerService
	Exposure    *ExposureService
	Compliance  *ComplianceService
	Webhooks    *WebhooksService
	Reports     *ReportsService
	AuditEvents *AuditEventsService
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient replaces the default http.Client (30 s timeout).
func WithHTTPClient(httpClient *http.Client) Option {
	return func(client *Client) { client.httpClient = httpClient }
}

// WithMaxRetries bounds retries of 429 answers (after Retry-After) and of connection failures on
// idempotent requests; 0 turns retrying off. Default 3.
func WithMaxRetries(count int) Option { return func(client *Client) { client.maxRetries = count } }

// WithMaxRetryWait caps one retry's wait (default 60 s).
func WithMaxRetryWait(wait time.Duration) Option {
	return func(client *Client) { client.maxRetryWait = wait }
}

// WithRefreshToken lets the client trade it for a new pair when the access token expires (401).
func WithRefreshToken(token string) Option {
	return func(client *Client) { client.refreshToken = token }
}

// WithRetryHook is called before each retry's wait.
func WithRetryHook(hook func(attempt int, delay time.Duration, err error)) Option {
	return func(client *Client) { client.onRetry = hook }
}

// NewClient makes a client for apiURL authenticating with apiToken (an API key `ic_live_…` or an
// access token).
func NewClient(apiURL, apiToken string, options ...Option) *Client {
	client := &Client{
		apiURL:       strings.TrimRight(apiURL, "/"),
		httpClient:   &http.Client{Timeout: 30 * time.Second},
		maxRetries:   3,
		maxRetryWait: 60 * time.Second,
		token:        apiToken,
	}
	for _, option := range options {
		option(client)
	}
	client.Health = &HealthService{client}
	client.Auth = &AuthService{client}
	client.Tenants = &TenantsService{client}
	client.APIKeys = &APIKeysService{client}
	client.Nodes = &NodesService{client}
	client.Edges = &EdgesService{client}
	client.Jobs = &JobsService{client}
	client.Schedules = &SchedulesService{client}
	client.Findings = &FindingsService{client}
	client.Rules = &RulesService{client}
	client.Evaluations = &EvaluationsService{client}
	client.PathTracer = &PathTracerService{client}
	client.Exposure = &ExposureService{client}
	client.Compliance = &ComplianceService{client}
	client.Webhooks = &WebhooksService{client}
	client.Reports = &ReportsService{client}
	client.AuditEvents = &AuditEventsService{client}
	return client
}

// Tokens returns the bearer token sent now and the refresh token held (they change after a refresh).
func (c *Client) Tokens() (accessToken, refreshToken string) {
	c.tokenLock.Lock()
	defer c.tokenLock.Unlock()
	return c.token, c.refreshToken
}

// SetTokens sends accessToken from now on and refreshes with refreshToken when it expires.
func (c *Client) SetTokens(accessToken, refreshToken string) {
	c.tokenLock.Lock()
	defer c.tokenLock.Unlock()
	c.token, c.refreshToken = accessToken, refreshToken
}

// idempotentMethods may be sent again after a connection failure without doing the work twice.
var idempotentMethods = map[string]bool{"GET": true, "HEAD": true, "PUT": true, "DELETE": true, "OPTIONS": true}

type request struct {
	method    string
	path      string
	query     url.Values
	body      interface{}
	anonymous bool
	accept    string
	streaming bool
}

func (c *Client) retryDelay(attempt int, err error) time.Duration {
	var apiError *APIError
	if errors.As(err, &apiError) && apiError.Status == 429 && apiError.RetryAfter > 0 {
		if apiError.RetryAfter > c.maxRetryWait {
			return c.maxRetryWait
		}
		return apiError.RetryAfter
	}
	backoff := time.Duration(250*(1<<uint(attempt))) * time.Millisecond
	if backoff > c.maxRetryWait {
		backoff = c.maxRetryWait
	}
	return time.Duration(float64(backoff) * (0.5 + rand.Float64()/2))
}

func (c *Client) sleep(ctx context.Context, attempt int, delay time.Duration, err error) error {
	if c.onRetry != nil {
		c.onRetry(attempt+1, delay, err)
	}
	timer := time.NewTimer(delay)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// do sends one request with retries and returns a 2xx answer (its body still open) or an error.
func (c *Client) do(ctx context.Context, r request) (*http.Response, error) {
	var payload []byte
	if r.body != nil {
		encoded, err := json.Marshal(r.body)
		if err != nil {
			return nil, err
		}
		payload = encoded
	}
	target := c.apiURL + r.path
	if len(r.query) > 0 {
		target += "?" + r.query.Encode()
	}
	accept := r.accept
	if accept == "" {
		accept = "application/json"
	}
	refreshed := false
	for attempt := 0; ; {
		var body io.Reader
		if payload != nil {
			body = bytes.NewReader(payload)
		}
		httpRequest, err := http.NewRequestWithContext(ctx, r.method, target, body)
		if err != nil {
			return nil, err
		}
		httpRequest.Header.Set("Accept", accept)
		httpRequest.Header.Set("User-Agent", "infracast-go/"+Version)
		if payload != nil {
			httpRequest.Header.Set("Content-Type", "application/json")
		}
		token, refreshToken := c.Tokens()
		if !r.anonymous && token != "" {
			httpRequest.Header.Set("Authorization", "Bearer "+token)
		}
		httpClient := c.httpClient
		if r.streaming {
			// The stream lasts as long as the job: no overall timeout, the context bounds it.
			copied := *c.httpClient
			copied.Timeout = 0
			httpClient = &copied
		}
		response, err := httpClient.Do(httpRequest)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			failure := &ConnectionError{URL: c.apiURL, Err: err}
			if !idempotentMethods[r.method] || attempt >= c.maxRetries {
				return nil, failure
			}
			if err := c.sleep(ctx, attempt, c.retryDelay(attempt, failure), failure); err != nil {
				return nil, err
			}
			attempt++
			continue
		}
		if response.StatusCode >= 200 && response.StatusCode < 300 {
			return response, nil
		}
		raw, _ := io.ReadAll(response.Body)
		response.Body.Close()
		apiError := errorFromResponse(response.StatusCode, raw, response.Header.Get("Retry-After"))
		if apiError.Status == 401 && !r.anonymous && refreshToken != "" && !refreshed {
			// An access token expired: trade the refresh token once, then replay.
			if _, err := c.Auth.Refresh(ctx, ""); err != nil {
				return nil, err
			}
			refreshed = true
			continue
		}
		if apiError.Status == 429 && attempt < c.maxRetries {
			if err := c.sleep(ctx, attempt, c.retryDelay(attempt, apiError), apiError); err != nil {
				return nil, err
			}
			attempt++
			continue
		}
		return nil, apiError
	}
}

// envelope is the API's answer shape.
type envelope struct {
	Data json.RawMessage `json:"data"`
	Meta json.RawMessage `json:"meta"`
}

// call decodes the envelope's data into out (which may be nil for 204 answers).
func (c *Client) call(ctx context.Context, r request, out interface{}) error {
	response, err := c.do(ctx, r)
	if err != nil {
		return err
	}
	defer response.Body.Close()
	raw, err := io.ReadAll(response.Body)
	if err != nil {
		return &ConnectionError{URL: c.apiURL, Err: err}
	}
	if out == nil || len(raw) == 0 {
		return nil
	}
	var answer envelope
	if err := json.Unmarshal(raw, &answer); err != nil {
		return err
	}
	return json.Unmarshal(answer.Data, out)
}

func decodeJSON(reader io.Reader, out interface{}) error {
	return json.NewDecoder(reader).Decode(out)
}

// tenantPath joins escaped segments under /api/v1/tenants/{tenant}.
func tenantPath(tenant string, rest ...string) string {
	parts := []string{"/api/v1/tenants/" + segment(tenant)}
	parts = append(parts, rest...)
	return strings.Join(parts, "/")
}

// segment escapes a path segment (node ids keep their `:`).
func segment(value string) string {
	return strings.ReplaceAll(url.PathEscape(value), "%3A", ":")
}
