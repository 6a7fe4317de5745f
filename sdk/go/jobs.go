package infracast

// Discovery jobs: create, start, cancel, the diff they made, their Server-Sent Events as an
// iterator (JobEvents), and Wait / Discover that follow a job to its end.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// JobsService: discovery jobs.
type JobsService struct{ client *Client }

// List is the tenant's jobs, newest first; status filters (e.g. "running", "failed").
func (s *JobsService) List(ctx context.Context, tenant string, status []string, options *ListOptions) (*Page[Job], error) {
	query := url.Values{}
	setList(query, "status", status)
	options.apply(query)
	return getPage[Job](ctx, s.client, tenantPath(tenant, "jobs"), query)
}

func (s *JobsService) Iter(ctx context.Context, tenant string, status []string, perPage int) *Iterator[Job] {
	query := url.Values{}
	setList(query, "status", status)
	(&ListOptions{PerPage: defaultPerPage(perPage, 100)}).apply(query)
	return newIterator[Job](ctx, s.client, tenantPath(tenant, "jobs"), query, false)
}

// JobCreate is a discovery job. Fixture config: {"sample": true}, {"inventory": {...}} or
// {"file": "name.json"}; aws: {"regions": [...], ...}. Start queues it at once.
type JobCreate struct {
	Provider string                 `json:"provider"`
	Config   map[string]interface{} `json:"config"`
	Start    bool                   `json:"start"`
}

func (s *JobsService) Create(ctx context.Context, tenant string, body JobCreate) (*Job, error) {
	if body.Config == nil {
		body.Config = map[string]interface{}{}
	}
	var out Job
	return &out, s.client.call(ctx, request{method: "POST", path: tenantPath(tenant, "jobs"), body: body}, &out)
}

func (s *JobsService) Get(ctx context.Context, tenant, jobID string) (*Job, error) {
	var out Job
	return &out, s.client.call(ctx, request{method: "GET", path: tenantPath(tenant, "jobs", segment(jobID))}, &out)
}

func (s *JobsService) Start(ctx context.Context, tenant, jobID string) (*Job, error) {
	var out Job
	return &out, s.client.call(ctx, request{method: "POST", path: tenantPath(tenant, "jobs", segment(jobID), "start"), body: struct{}{}}, &out)
}

func (s *JobsService) Cancel(ctx context.Context, tenant, jobID string) (*Job, error) {
	var out Job
	return &out, s.client.call(ctx, request{method: "POST", path: tenantPath(tenant, "jobs", segment(jobID), "cancel"), body: struct{}{}}, &out)
}

// Diff is what the job added, changed and removed.
func (s *JobsService) Diff(ctx context.Context, tenant, jobID string) (*JobDiff, error) {
	var out JobDiff
	return &out, s.client.call(ctx, request{method: "GET", path: tenantPath(tenant, "jobs", segment(jobID), "diff")}, &out)
}

// EventStream iterates a job's Server-Sent Events: "progress" events, then one "done".
//
//	stream := client.Jobs.Events(ctx, tenant, jobID)
//	defer stream.Close()
//	for stream.Next() { event := stream.Event() }
//	err := stream.Err()
type EventStream struct {
	ctx      context.Context
	client   *Client
	path     string
	response *http.Response
	scanner  *bufio.Scanner
	current  JobEvent
	done     bool
	err      error
}

// Events opens the job's event stream (lazily, on the first Next).
func (s *JobsService) Events(ctx context.Context, tenant, jobID string) *EventStream {
	return &EventStream{ctx: ctx, client: s.client, path: tenantPath(tenant, "jobs", segment(jobID), "events")}
}

// Next reads the next event; false at the end of the stream (after "done") or on an error.
func (st *EventStream) Next() bool {
	if st.done || st.err != nil {
		return false
	}
	if st.response == nil {
		response, err := st.client.do(st.ctx, request{method: "GET", path: st.path, accept: "text/event-stream", streaming: true})
		if err != nil {
			st.err = err
			return false
		}
		st.response = response
		st.scanner = bufio.NewScanner(response.Body)
		st.scanner.Buffer(make([]byte, 64*1024), 4*1024*1024)
	}
	name := "message"
	var data []string
	for st.scanner.Scan() {
		line := strings.TrimRight(st.scanner.Text(), "\r")
		if line == "" {
			if len(data) == 0 {
				name = "message"
				continue
			}
			var event JobEvent
			if err := json.Unmarshal([]byte(strings.Join(data, "\n")), &event); err != nil {
				st.err = err
				return false
			}
			event.Event = name
			st.current = event
			if name == "done" {
				st.done = true
				st.Close()
			}
			return true
		}
		if strings.HasPrefix(line, ":") {
			continue // keep-alive comment
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "event":
			name = value
		case "data":
			data = append(data, value)
		}
	}
	if err := st.scanner.Err(); err != nil {
		st.err = &ConnectionError{URL: st.client.apiURL, Err: err}
	}
	st.done = true
	st.Close()
	return false
}

// Event is the current event (valid after Next returned true).
func (st *EventStream) Event() JobEvent { return st.current }

// Err is the error that ended the stream, if any.
func (st *EventStream) Err() error { return st.err }

// Close releases the connection (safe to call more than once).
func (st *EventStream) Close() error {
	if st.response != nil {
		err := st.response.Body.Close()
		st.response = nil
		return err
	}
	return nil
}

// Wait follows the job's events until it ends and returns it. A stream that breaks off early (a
// restart, a proxy) is opened again until timeout passes (then the error matches ErrWaitTimeout).
func (s *JobsService) Wait(ctx context.Context, tenant, jobID string, timeout time.Duration, onEvent func(JobEvent)) (*Job, error) {
	waitContext, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		stream := s.Events(waitContext, tenant, jobID)
		for stream.Next() {
			if onEvent != nil {
				onEvent(stream.Event())
			}
		}
		stream.Close()
		var connection *ConnectionError
		if err := stream.Err(); err != nil && waitContext.Err() == nil && !errors.As(err, &connection) {
			return nil, err
		}
		job, err := s.Get(ctx, tenant, jobID)
		if err != nil {
			return nil, err
		}
		if job.Finished() {
			return job, nil
		}
		select {
		case <-waitContext.Done():
			if ctx.Err() != nil {
				return job, ctx.Err()
			}
			return job, &waitError{kind: ErrWaitTimeout, message: "job " + jobID + " still " + job.Status}
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// Discover starts a discovery and waits for its end.
func (s *JobsService) Discover(ctx context.Context, tenant string, job JobRequest, timeout time.Duration, onEvent func(JobEvent)) (*Job, error) {
	created, err := s.Create(ctx, tenant, JobCreate{Provider: job.Provider, Config: job.Config, Start: true})
	if err != nil {
		return nil, err
	}
	return s.Wait(ctx, tenant, created.ID, timeout, onEvent)
}
