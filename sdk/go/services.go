package infracast

// One service per API resource, grouped the way the contract reads (client.Nodes.List(…)).
// Each method is one operation of the OpenAPI document (see Operations); Iter methods return an
// Iterator over every page.

import (
	"context"
	"io"
	"net/url"
	"os"
	"strings"
	"time"
)

func setList(query url.Values, name string, values []string) {
	if len(values) > 0 {
		query.Set(name, strings.Join(values, ","))
	}
}

func setText(query url.Values, name, value string) {
	if value != "" {
		query.Set(name, value)
	}
}

// HealthService: liveness, status and the OpenAPI document.
type HealthService struct{ client *Client }

// Check is GET /healthz (no auth).
func (s *HealthService) Check(ctx context.Context) (map[string]interface{}, error) {
	var out map[string]interface{}
	response, err := s.client.do(ctx, request{method: "GET", path: "/healthz", anonymous: true})
	if err != nil {
		return nil, err
	}
	defer response.Body.Close()
	return out, decodeJSON(response.Body, &out)
}

// Live is GET /livez (no auth): the process answers, whatever the database does.
func (s *HealthService) Live(ctx context.Context) (map[string]interface{}, error) {
	var out map[string]interface{}
	response, err := s.client.do(ctx, request{method: "GET", path: "/livez", anonymous: true})
	if err != nil {
		return nil, err
	}
	defer response.Body.Close()
	return out, decodeJSON(response.Body, &out)
}

// Status is GET /api/v1/status.
func (s *HealthService) Status(ctx context.Context) (*Status, error) {
	var out Status
	return &out, s.client.call(ctx, request{method: "GET", path: "/api/v1/status"}, &out)
}

// OpenAPI is the served OpenAPI document (JSON).
func (s *HealthService) OpenAPI(ctx context.Context) (map[string]interface{}, error) {
	var out map[string]interface{}
	response, err := s.client.do(ctx, request{method: "GET", path: "/api/v1/openapi.json", anonymous: true})
	if err != nil {
		return nil, err
	}
	defer response.Body.Close()
	return out, decodeJSON(response.Body, &out)
}

// OpenAPIYAML is the served OpenAPI document as YAML text.
func (s *HealthService) OpenAPIYAML(ctx context.Context) (string, error) {
	response, err := s.client.do(ctx, request{method: "GET", path: "/api/v1/openapi.yaml", anonymous: true, accept: "application/yaml"})
	if err != nil {
		return "", err
	}
	defer response.Body.Close()
	raw, err := io.ReadAll(response.Body)
	return string(raw), err
}

// AuthService: API keys to access tokens.
type AuthService struct{ client *Client }

// Token exchanges an API key ("" means the client's own) for an access and a refresh token.
// Use Client.SetTokens to send them from now on.
func (s *AuthService) Token(ctx context.Context, apiKey string) (*Tokens, error) {
	if apiKey == "" {
		apiKey, _ = s.client.Tokens()
	}
	var out Tokens
	err := s.client.call(ctx, request{method: "POST", path: "/api/v1/auth/token", anonymous: true, body: map[string]string{"api_key": apiKey}}, &out)
	return &out, err
}

// Refresh trades a refresh token (single use) for a new pair. With "" it uses the client's own
// refresh token and the client adopts the new pair.
func (s *AuthService) Refresh(ctx context.Context, refreshToken string) (*Tokens, error) {
	own := refreshToken == ""
	if own {
		_, refreshToken = s.client.Tokens()
	}
	if refreshToken == "" {
		return nil, &APIError{Status: 401, Code: "UNAUTHORIZED", Message: "no refresh token: use WithRefreshToken or Auth.Token"}
	}
	var out Tokens
	err := s.client.call(ctx, request{method: "POST", path: "/api/v1/auth/refresh", anonymous: true, body: map[string]string{"refresh_token": refreshToken}}, &out)
	if err != nil {
		return nil, err
	}
	if own {
		s.client.SetTokens(out.AccessToken, out.RefreshToken)
	}
	return &out, nil
}

// Me is the caller: key, tenant, role and credential kind.
func (s *AuthService) Me(ctx context.Context) (*Me, error) {
	var out Me
	return &out, s.client.call(ctx, request{method: "GET", path: "/api/v1/auth/me"}, &out)
}

// TenantsService: tenants (platform admins).
type TenantsService struct{ client *Client }

func (s *TenantsService) List(ctx context.Context, options *ListOptions) (*Page[Tenant], error) {
	query := url.Values{}
	options.apply(query)
	return getPage[Tenant](ctx, s.client, "/api/v1/tenants", query)
}

func (s *TenantsService) Iter(ctx context.Context, perPage int) *Iterator[Tenant] {
	query := url.Values{}
	(&ListOptions{PerPage: perPage}).apply(query)
	return newIterator[Tenant](ctx, s.client, "/api/v1/tenants", query, false)
}

// TenantCreate is the body of Tenants.Create; Plan defaults to free.
type TenantCreate struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Plan string `json:"plan,omitempty"`
}

func (s *TenantsService) Create(ctx context.Context, body TenantCreate) (*Tenant, error) {
	var out Tenant
	return &out, s.client.call(ctx, request{method: "POST", path: "/api/v1/tenants", body: body}, &out)
}

func (s *TenantsService) Get(ctx context.Context, tenant string) (*Tenant, error) {
	var out Tenant
	return &out, s.client.call(ctx, request{method: "GET", path: tenantPath(tenant)}, &out)
}

// TenantUpdate changes the fields that are not empty.
type TenantUpdate struct {
	Name string `json:"name,omitempty"`
	Plan string `json:"plan,omitempty"`
}

func (s *TenantsService) Update(ctx context.Context, tenant string, body TenantUpdate) (*Tenant, error) {
	var out Tenant
	return &out, s.client.call(ctx, request{method: "PUT", path: tenantPath(tenant), body: body}, &out)
}

func (s *TenantsService) Delete(ctx context.Context, tenant string) error {
	return s.client.call(ctx, request{method: "DELETE", path: tenantPath(tenant)}, nil)
}

// APIKeysService: a tenant's API keys.
type APIKeysService struct{ client *Client }

func (s *APIKeysService) List(ctx context.Context, tenant string) (*Page[APIKey], error) {
	return getPage[APIKey](ctx, s.client, tenantPath(tenant, "api-keys"), url.Values{})
}

// Create makes a key with role admin, analyst or viewer; its secret is in Key, shown this once.
func (s *APIKeysService) Create(ctx context.Context, tenant, role, name string) (*APIKey, error) {
	body := map[string]string{"role": role}
	if name != "" {
		body["name"] = name
	}
	var out APIKey
	return &out, s.client.call(ctx, request{method: "POST", path: tenantPath(tenant, "api-keys"), body: body}, &out)
}

func (s *APIKeysService) Revoke(ctx context.Context, tenant, keyID string) error {
	return s.client.call(ctx, request{method: "DELETE", path: tenantPath(tenant, "api-keys", segment(keyID))}, nil)
}

// NodesService: nodes of a tenant's graph.
type NodesService struct{ client *Client }

// NodeFilter narrows a node list; empty fields are not filters.
type NodeFilter struct {
	Types    []string
	Region   string
	Provider string
	Account  string
	// Q is "name contains" (case-insensitive).
	Q string
	// Tags must all match.
	Tags map[string]string
	Sort string
}

func (f *NodeFilter) query() url.Values {
	query := url.Values{}
	if f == nil {
		return query
	}
	setList(query, "types", f.Types)
	setText(query, "region", f.Region)
	setText(query, "provider", f.Provider)
	setText(query, "account", f.Account)
	setText(query, "q", f.Q)
	setText(query, "sort", f.Sort)
	for key, value := range f.Tags {
		query.Add("tag", key+":"+value)
	}
	return query
}

func (s *NodesService) List(ctx context.Context, tenant string, filter *NodeFilter, options *ListOptions) (*Page[Node], error) {
	query := filter.query()
	options.apply(query)
	return getPage[Node](ctx, s.client, tenantPath(tenant, "nodes"), query)
}

// Iter walks every matching node with the keyset cursor (perPage 0 means 500).
func (s *NodesService) Iter(ctx context.Context, tenant string, filter *NodeFilter, perPage int) *Iterator[Node] {
	query := filter.query()
	(&ListOptions{PerPage: defaultPerPage(perPage, 500)}).apply(query)
	return newIterator[Node](ctx, s.client, tenantPath(tenant, "nodes"), query, true)
}

func (s *NodesService) Get(ctx context.Context, tenant, nodeID string) (*Node, error) {
	var out Node
	return &out, s.client.call(ctx, request{method: "GET", path: tenantPath(tenant, "nodes", segment(nodeID))}, &out)
}

// NodeCreate is a node to create; ID (provider:region:type:resource-id) decides its type.
type NodeCreate struct {
	ID         string                 `json:"id"`
	Name       string                 `json:"name,omitempty"`
	Account    string                 `json:"account,omitempty"`
	Tags       map[string]string      `json:"tags,omitempty"`
	Properties map[string]interface{} `json:"properties,omitempty"`
}

func (s *NodesService) Create(ctx context.Context, tenant string, body NodeCreate) (*Node, error) {
	var out Node
	return &out, s.client.call(ctx, request{method: "POST", path: tenantPath(tenant, "nodes"), body: body}, &out)
}

func (s *NodesService) Delete(ctx context.Context, tenant, nodeID string) error {
	return s.client.call(ctx, request{method: "DELETE", path: tenantPath(tenant, "nodes", segment(nodeID))}, nil)
}

// EdgesService: edges of a tenant's graph.
type EdgesService struct{ client *Client }

// EdgeFilter narrows an edge list; Node matches either end.
type EdgeFilter struct {
	Kind []string
	Src  string
	Dst  string
	Node string
	Sort string
}

func (f *EdgeFilter) query() url.Values {
	query := url.Values{}
	if f == nil {
		return query
	}
	setList(query, "kind", f.Kind)
	setText(query, "src", f.Src)
	setText(query, "dst", f.Dst)
	setText(query, "node", f.Node)
	setText(query, "sort", f.Sort)
	return query
}

func (s *EdgesService) List(ctx context.Context, tenant string, filter *EdgeFilter, options *ListOptions) (*Page[Edge], error) {
	query := filter.query()
	options.apply(query)
	return getPage[Edge](ctx, s.client, tenantPath(tenant, "edges"), query)
}

func (s *EdgesService) Iter(ctx context.Context, tenant string, filter *EdgeFilter, perPage int) *Iterator[Edge] {
	query := filter.query()
	(&ListOptions{PerPage: defaultPerPage(perPage, 500)}).apply(query)
	return newIterator[Edge](ctx, s.client, tenantPath(tenant, "edges"), query, true)
}

func (s *EdgesService) Get(ctx context.Context, tenant, edgeID string) (*Edge, error) {
	var out Edge
	return &out, s.client.call(ctx, request{method: "GET", path: tenantPath(tenant, "edges", segment(edgeID))}, &out)
}

// EdgeCreate is an edge to create.
type EdgeCreate struct {
	Kind       string                 `json:"kind"`
	Src        string                 `json:"src"`
	Dst        string                 `json:"dst"`
	Properties map[string]interface{} `json:"properties,omitempty"`
}

func (s *EdgesService) Create(ctx context.Context, tenant string, body EdgeCreate) (*Edge, error) {
	var out Edge
	return &out, s.client.call(ctx, request{method: "POST", path: tenantPath(tenant, "edges"), body: body}, &out)
}

func (s *EdgesService) Delete(ctx context.Context, tenant, edgeID string) error {
	return s.client.call(ctx, request{method: "DELETE", path: tenantPath(tenant, "edges", segment(edgeID))}, nil)
}

// SchedulesService: cron schedules that create discovery jobs.
type SchedulesService struct{ client *Client }

func (s *SchedulesService) List(ctx context.Context, tenant string) (*Page[Schedule], error) {
	return getPage[Schedule](ctx, s.client, tenantPath(tenant, "schedules"), url.Values{})
}

// ScheduleCreate: Cron like "0 3 * * *"; Enabled defaults to true on the server when nil.
type ScheduleCreate struct {
	Name    string     `json:"name,omitempty"`
	Cron    string     `json:"cron"`
	Job     JobRequest `json:"job"`
	Enabled *bool      `json:"enabled,omitempty"`
}

func (s *SchedulesService) Create(ctx context.Context, tenant string, body ScheduleCreate) (*Schedule, error) {
	if body.Job.Config == nil {
		body.Job.Config = map[string]interface{}{}
	}
	var out Schedule
	return &out, s.client.call(ctx, request{method: "POST", path: tenantPath(tenant, "schedules"), body: body}, &out)
}

func (s *SchedulesService) Get(ctx context.Context, tenant, scheduleID string) (*Schedule, error) {
	var out Schedule
	return &out, s.client.call(ctx, request{method: "GET", path: tenantPath(tenant, "schedules", segment(scheduleID))}, &out)
}

func (s *SchedulesService) Delete(ctx context.Context, tenant, scheduleID string) error {
	return s.client.call(ctx, request{method: "DELETE", path: tenantPath(tenant, "schedules", segment(scheduleID))}, nil)
}

func (s *SchedulesService) Enable(ctx context.Context, tenant, scheduleID string) (*Schedule, error) {
	var out Schedule
	return &out, s.client.call(ctx, request{method: "POST", path: tenantPath(tenant, "schedules", segment(scheduleID), "enable"), body: struct{}{}}, &out)
}

func (s *SchedulesService) Disable(ctx context.Context, tenant, scheduleID string) (*Schedule, error) {
	var out Schedule
	return &out, s.client.call(ctx, request{method: "POST", path: tenantPath(tenant, "schedules", segment(scheduleID), "disable"), body: struct{}{}}, &out)
}

// FindingsService: findings and their acceptance or resolution.
type FindingsService struct{ client *Client }

// FindingFilter narrows a finding list, e.g. Severity: {"HIGH", "CRITICAL"}, Status: {"open"}.
type FindingFilter struct {
	Severity []string
	Status   []string
	RuleID   []string
	NodeID   string
	// Type is node types.
	Type     []string
	Category string
	Region   string
	Sort     string
}

func (f *FindingFilter) query() url.Values {
	query := url.Values{}
	if f == nil {
		return query
	}
	setList(query, "severity", f.Severity)
	setList(query, "status", f.Status)
	setList(query, "rule_id", f.RuleID)
	setList(query, "type", f.Type)
	setText(query, "node_id", f.NodeID)
	setText(query, "category", f.Category)
	setText(query, "region", f.Region)
	setText(query, "sort", f.Sort)
	return query
}

func (s *FindingsService) List(ctx context.Context, tenant string, filter *FindingFilter, options *ListOptions) (*Page[Finding], error) {
	query := filter.query()
	options.apply(query)
	return getPage[Finding](ctx, s.client, tenantPath(tenant, "findings"), query)
}

func (s *FindingsService) Iter(ctx context.Context, tenant string, filter *FindingFilter, perPage int) *Iterator[Finding] {
	query := filter.query()
	(&ListOptions{PerPage: defaultPerPage(perPage, 500)}).apply(query)
	return newIterator[Finding](ctx, s.client, tenantPath(tenant, "findings"), query, true)
}

// Get is the finding with its rule.
func (s *FindingsService) Get(ctx context.Context, tenant, findingID string) (*FindingWithRule, error) {
	var out FindingWithRule
	return &out, s.client.call(ctx, request{method: "GET", path: tenantPath(tenant, "findings", segment(findingID))}, &out)
}

// Acceptance request: Kind is risk_accepted (default) or false_positive; ExpiresAt optional.
type AcceptRequest struct {
	Reason    string     `json:"reason"`
	Kind      string     `json:"kind,omitempty"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

func (s *FindingsService) Accept(ctx context.Context, tenant, findingID string, body AcceptRequest) (*Finding, error) {
	var out Finding
	return &out, s.client.call(ctx, request{method: "POST", path: tenantPath(tenant, "findings", segment(findingID), "accept"), body: body}, &out)
}

func (s *FindingsService) Resolve(ctx context.Context, tenant, findingID, reason string) (*Finding, error) {
	var out Finding
	return &out, s.client.call(ctx, request{method: "POST", path: tenantPath(tenant, "findings", segment(findingID), "resolve"), body: map[string]string{"reason": reason}}, &out)
}

// RulesService: the rule catalogue.
type RulesService struct{ client *Client }

func (s *RulesService) List(ctx context.Context, tenant string) (*Page[Rule], error) {
	return getPage[Rule](ctx, s.client, tenantPath(tenant, "rules"), url.Values{})
}

func (s *RulesService) Get(ctx context.Context, tenant, ruleID string) (*Rule, error) {
	var out Rule
	return &out, s.client.call(ctx, request{method: "GET", path: tenantPath(tenant, "rules", segment(ruleID))}, &out)
}

// EvaluationsService: re-evaluating a tenant's rules.
type EvaluationsService struct{ client *Client }

// Create queues an evaluation job; follow it with Jobs.Wait.
func (s *EvaluationsService) Create(ctx context.Context, tenant string) (*Evaluation, error) {
	var out Evaluation
	return &out, s.client.call(ctx, request{method: "POST", path: tenantPath(tenant, "evaluations"), body: struct{}{}}, &out)
}

// PathTracerService: reachability with hop-by-hop evidence.
type PathTracerService struct{ client *Client }

// TraceRequest: a source, one destination (CIDR or node), Port (needed for tcp and udp) and
// Protocol (tcp by default).
type TraceRequest struct {
	SourceNodeID      string `json:"source_node_id"`
	DestinationCIDR   string `json:"destination_cidr,omitempty"`
	DestinationNodeID string `json:"destination_node_id,omitempty"`
	Port              *int   `json:"port,omitempty"`
	Protocol          string `json:"protocol,omitempty"`
}

func (s *PathTracerService) Trace(ctx context.Context, tenant string, body TraceRequest) (*TraceResult, error) {
	var out TraceResult
	return &out, s.client.call(ctx, request{method: "POST", path: tenantPath(tenant, "pathtracer", "trace"), body: body}, &out)
}

// Port makes the *int a TraceRequest wants.
func Port(port int) *int { return &port }

// ExposureService: what the internet can reach.
type ExposureService struct{ client *Client }

func (s *ExposureService) List(ctx context.Context, tenant string, options *ListOptions) (*Page[Exposure], error) {
	query := url.Values{}
	options.apply(query)
	return getPage[Exposure](ctx, s.client, tenantPath(tenant, "exposure"), query)
}

func (s *ExposureService) Iter(ctx context.Context, tenant string, perPage int) *Iterator[Exposure] {
	query := url.Values{}
	(&ListOptions{PerPage: defaultPerPage(perPage, 100)}).apply(query)
	return newIterator[Exposure](ctx, s.client, tenantPath(tenant, "exposure"), query, false)
}

// ComplianceService: framework and control scores.
type ComplianceService struct{ client *Client }

func (s *ComplianceService) Summary(ctx context.Context, tenant string) (*ComplianceSummary, error) {
	var out ComplianceSummary
	return &out, s.client.call(ctx, request{method: "GET", path: tenantPath(tenant, "compliance", "summary")}, &out)
}

func (s *ComplianceService) Frameworks(ctx context.Context, tenant string) ([]FrameworkScore, error) {
	var out []FrameworkScore
	return out, s.client.call(ctx, request{method: "GET", path: tenantPath(tenant, "compliance", "frameworks")}, &out)
}

func (s *ComplianceService) Controls(ctx context.Context, tenant, framework string) (*FrameworkControls, error) {
	var out FrameworkControls
	query := url.Values{"framework": {framework}}
	return &out, s.client.call(ctx, request{method: "GET", path: tenantPath(tenant, "compliance", "controls"), query: query}, &out)
}

// WebhooksService: webhooks and their delivery log.
type WebhooksService struct{ client *Client }

func (s *WebhooksService) List(ctx context.Context, tenant string) (*Page[Webhook], error) {
	return getPage[Webhook](ctx, s.client, tenantPath(tenant, "webhooks"), url.Values{})
}

// WebhookCreate: Events like {"finding.created", "job.completed"}; Secret (16+ characters)
// signs every delivery (verify with VerifyWebhook).
type WebhookCreate struct {
	URL    string   `json:"url"`
	Events []string `json:"events"`
	Secret string   `json:"secret"`
}

func (s *WebhooksService) Create(ctx context.Context, tenant string, body WebhookCreate) (*Webhook, error) {
	var out Webhook
	return &out, s.client.call(ctx, request{method: "POST", path: tenantPath(tenant, "webhooks"), body: body}, &out)
}

func (s *WebhooksService) Get(ctx context.Context, tenant, webhookID string) (*Webhook, error) {
	var out Webhook
	return &out, s.client.call(ctx, request{method: "GET", path: tenantPath(tenant, "webhooks", segment(webhookID))}, &out)
}

func (s *WebhooksService) Delete(ctx context.Context, tenant, webhookID string) error {
	return s.client.call(ctx, request{method: "DELETE", path: tenantPath(tenant, "webhooks", segment(webhookID))}, nil)
}

// Deliveries is the webhook's delivery log, newest first.
func (s *WebhooksService) Deliveries(ctx context.Context, tenant, webhookID string) (*Page[Delivery], error) {
	return getPage[Delivery](ctx, s.client, tenantPath(tenant, "webhooks", segment(webhookID), "deliveries"), url.Values{})
}

// Test sends a signed ping to this webhook now and returns the queued delivery (see Deliveries).
func (s *WebhooksService) Test(ctx context.Context, tenant, webhookID string) (*Delivery, error) {
	var out Delivery
	return &out, s.client.call(ctx, request{method: "POST", path: tenantPath(tenant, "webhooks", segment(webhookID), "test"), body: map[string]string{}}, &out)
}

// ReportsService: compliance reports and their downloads.
type ReportsService struct{ client *Client }

// ReportRequest: Format html, pdf, csv, json or ocsf; Framework where the format needs one.
type ReportRequest struct {
	Format    string `json:"format"`
	Framework string `json:"framework,omitempty"`
	Title     string `json:"title,omitempty"`
}

// Generate queues a report; follow it with Wait.
func (s *ReportsService) Generate(ctx context.Context, tenant string, body ReportRequest) (*Report, error) {
	var out Report
	return &out, s.client.call(ctx, request{method: "POST", path: tenantPath(tenant, "reports", "generate"), body: body}, &out)
}

// ReportFilter narrows a report list.
type ReportFilter struct {
	Status    []string
	Format    []string
	Framework string
	Sort      string
}

func (f *ReportFilter) query() url.Values {
	query := url.Values{}
	if f == nil {
		return query
	}
	setList(query, "status", f.Status)
	setList(query, "format", f.Format)
	setText(query, "framework", f.Framework)
	setText(query, "sort", f.Sort)
	return query
}

func (s *ReportsService) List(ctx context.Context, tenant string, filter *ReportFilter, options *ListOptions) (*Page[Report], error) {
	query := filter.query()
	options.apply(query)
	return getPage[Report](ctx, s.client, tenantPath(tenant, "reports"), query)
}

func (s *ReportsService) Iter(ctx context.Context, tenant string, filter *ReportFilter, perPage int) *Iterator[Report] {
	query := filter.query()
	(&ListOptions{PerPage: defaultPerPage(perPage, 100)}).apply(query)
	return newIterator[Report](ctx, s.client, tenantPath(tenant, "reports"), query, true)
}

func (s *ReportsService) Get(ctx context.Context, tenant, reportID string) (*Report, error) {
	var out Report
	return &out, s.client.call(ctx, request{method: "GET", path: tenantPath(tenant, "reports", segment(reportID))}, &out)
}

// Wait polls until the report is READY (returned) or FAILED (an error matching ErrReportFailed),
// or the context ends / timeout passes (ErrWaitTimeout).
func (s *ReportsService) Wait(ctx context.Context, tenant, reportID string, timeout time.Duration) (*Report, error) {
	deadline := time.Now().Add(timeout)
	for {
		report, err := s.Get(ctx, tenant, reportID)
		if err != nil {
			return nil, err
		}
		switch report.Status {
		case "READY":
			return report, nil
		case "FAILED":
			message := ""
			if report.Error != nil {
				message = *report.Error
			}
			return report, &waitError{kind: ErrReportFailed, message: "report " + reportID + " failed: " + message}
		}
		if time.Now().After(deadline) {
			return report, &waitError{kind: ErrWaitTimeout, message: "report " + reportID + " still " + report.Status}
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// Download returns the rendered file's bytes.
func (s *ReportsService) Download(ctx context.Context, tenant, reportID string) ([]byte, error) {
	response, err := s.client.do(ctx, request{method: "GET", path: tenantPath(tenant, "reports", segment(reportID), "download"), accept: "*/*"})
	if err != nil {
		return nil, err
	}
	defer response.Body.Close()
	return io.ReadAll(response.Body)
}

// DownloadToFile writes the rendered file to path.
func (s *ReportsService) DownloadToFile(ctx context.Context, tenant, reportID, path string) error {
	raw, err := s.Download(ctx, tenant, reportID)
	if err != nil {
		return err
	}
	return os.WriteFile(path, raw, 0o644)
}

// AuditEventsService: who did what, per tenant (tenant admins) or platform-wide (platform admins).
type AuditEventsService struct{ client *Client }

// AuditFilter narrows an audit list; Tenant applies to the platform-wide list only.
type AuditFilter struct {
	Tenant     string
	Action     []string
	ActorKeyID string
	TargetType string
	TargetID   string
	Since      *time.Time
	Until      *time.Time
	// Sort is occurred_at or -occurred_at.
	Sort string
}

func (f *AuditFilter) query() url.Values {
	query := url.Values{}
	if f == nil {
		return query
	}
	setText(query, "tenant", f.Tenant)
	setList(query, "action", f.Action)
	setText(query, "actor_key_id", f.ActorKeyID)
	setText(query, "target_type", f.TargetType)
	setText(query, "target_id", f.TargetID)
	setText(query, "sort", f.Sort)
	if f.Since != nil {
		query.Set("since", f.Since.UTC().Format(time.RFC3339))
	}
	if f.Until != nil {
		query.Set("until", f.Until.UTC().Format(time.RFC3339))
	}
	return query
}

func (s *AuditEventsService) List(ctx context.Context, tenant string, filter *AuditFilter, options *ListOptions) (*Page[AuditEvent], error) {
	query := filter.query()
	query.Del("tenant")
	options.apply(query)
	return getPage[AuditEvent](ctx, s.client, tenantPath(tenant, "audit-events"), query)
}

func (s *AuditEventsService) Iter(ctx context.Context, tenant string, filter *AuditFilter, perPage int) *Iterator[AuditEvent] {
	query := filter.query()
	query.Del("tenant")
	(&ListOptions{PerPage: defaultPerPage(perPage, 500)}).apply(query)
	return newIterator[AuditEvent](ctx, s.client, tenantPath(tenant, "audit-events"), query, true)
}

func (s *AuditEventsService) ListPlatform(ctx context.Context, filter *AuditFilter, options *ListOptions) (*Page[AuditEvent], error) {
	query := filter.query()
	options.apply(query)
	return getPage[AuditEvent](ctx, s.client, "/api/v1/audit-events", query)
}

func (s *AuditEventsService) IterPlatform(ctx context.Context, filter *AuditFilter, perPage int) *Iterator[AuditEvent] {
	query := filter.query()
	(&ListOptions{PerPage: defaultPerPage(perPage, 500)}).apply(query)
	return newIterator[AuditEvent](ctx, s.client, "/api/v1/audit-events", query, true)
}

func defaultPerPage(given, fallback int) int {
	if given > 0 {
		return given
	}
	return fallback
}

type waitError struct {
	kind    error
	message string
}

func (e *waitError) Error() string        { return "infracast: " + e.message }
func (e *waitError) Is(target error) bool { return target == e.kind }
