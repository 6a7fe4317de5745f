package infracast

// Answer types, as the API sends them. Timestamps are RFC 3339 strings decoded into time.Time;
// free-form JSON (properties, evidence, progress…) stays json.RawMessage or a map.

import (
	"encoding/json"
	"time"
)

// Status is GET /api/v1/status.
type Status struct {
	Status   string `json:"status"`
	Version  string `json:"version"`
	Database struct {
		Reachable bool `json:"reachable"`
	} `json:"database"`
	Counts map[string]int64 `json:"counts"`
}

// Tokens is an access token and its single-use refresh token.
type Tokens struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	// ExpiresIn is seconds until the access token expires.
	ExpiresIn int64 `json:"expires_in"`
}

// Me is the caller.
type Me struct {
	KeyID      string     `json:"key_id"`
	Tenant     *string    `json:"tenant"`
	Role       string     `json:"role"`
	Credential string     `json:"credential"`
	ExpiresAt  *time.Time `json:"expires_at"`
}

type Tenant struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Plan      string    `json:"plan"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

type APIKey struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Role      string     `json:"role"`
	Prefix    string     `json:"prefix"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at"`
	// Key is the secret, present only in the answer that created it.
	Key string `json:"key,omitempty"`
}

type Node struct {
	ID         string                 `json:"id"`
	Type       string                 `json:"type"`
	Provider   string                 `json:"provider"`
	Region     string                 `json:"region"`
	Account    string                 `json:"account"`
	Name       string                 `json:"name"`
	Tags       map[string]string      `json:"tags"`
	Properties map[string]interface{} `json:"properties"`
	FirstSeen  time.Time              `json:"first_seen"`
	LastSeen   time.Time              `json:"last_seen"`
	CreatedAt  time.Time              `json:"created_at"`
	UpdatedAt  time.Time              `json:"updated_at"`
}

type Edge struct {
	ID         string                 `json:"id"`
	Kind       string                 `json:"kind"`
	Src        string                 `json:"src"`
	Dst        string                 `json:"dst"`
	Properties map[string]interface{} `json:"properties"`
	FirstSeen  time.Time              `json:"first_seen"`
	LastSeen   time.Time              `json:"last_seen"`
	CreatedAt  time.Time              `json:"created_at"`
	UpdatedAt  time.Time              `json:"updated_at"`
}

type Job struct {
	ID              string                 `json:"id"`
	Kind            string                 `json:"kind"`
	Provider        *string                `json:"provider"`
	Config          json.RawMessage        `json:"config"`
	Status          string                 `json:"status"`
	CancelRequested bool                   `json:"cancel_requested"`
	Progress        json.RawMessage        `json:"progress"`
	Scopes          json.RawMessage        `json:"scopes"`
	Counts          map[string]interface{} `json:"counts"`
	Errors          json.RawMessage        `json:"errors"`
	Attempts        int                    `json:"attempts"`
	ScheduleID      *string                `json:"schedule_id"`
	CreatedAt       time.Time              `json:"created_at"`
	StartedAt       *time.Time             `json:"started_at"`
	FinishedAt      *time.Time             `json:"finished_at"`
	UpdatedAt       time.Time              `json:"updated_at"`
}

// Finished says whether the job reached a final status.
func (j *Job) Finished() bool { return isTerminalJobStatus(j.Status) }

func isTerminalJobStatus(status string) bool {
	switch status {
	case "succeeded", "partially_succeeded", "failed", "cancelled":
		return true
	}
	return false
}

// JobEvent is one Server-Sent Event of /jobs/{id}/events: "progress" while running, then "done".
type JobEvent struct {
	Event    string                 `json:"-"`
	ID       string                 `json:"id"`
	Status   string                 `json:"status"`
	Progress json.RawMessage        `json:"progress"`
	Scopes   json.RawMessage        `json:"scopes"`
	Counts   map[string]interface{} `json:"counts"`
	Errors   json.RawMessage        `json:"errors"`
}

type DiffIDs struct {
	Nodes []string `json:"nodes"`
	Edges []string `json:"edges"`
}

type JobDiff struct {
	JobID  string                 `json:"job_id"`
	Status string                 `json:"status"`
	Counts map[string]interface{} `json:"counts"`
	Diff   struct {
		Added   DiffIDs `json:"added"`
		Changed DiffIDs `json:"changed"`
		Removed DiffIDs `json:"removed"`
	} `json:"diff"`
}

// JobRequest is a discovery job's provider and config (fixture: {"sample": true},
// {"inventory": {...}} or {"file": "name.json"}; aws: {"regions": [...], ...}).
type JobRequest struct {
	Provider string                 `json:"provider"`
	Config   map[string]interface{} `json:"config"`
}

type Schedule struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Cron      string     `json:"cron"`
	Job       JobRequest `json:"job"`
	Enabled   bool       `json:"enabled"`
	NextRunAt time.Time  `json:"next_run_at"` // zero while the schedule is disabled
	LastRunAt *time.Time `json:"last_run_at"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
}

type Acceptance struct {
	Kind      string     `json:"kind"`
	Reason    *string    `json:"reason"`
	By        *string    `json:"by"`
	At        *time.Time `json:"at"`
	ExpiresAt *time.Time `json:"expires_at"`
}

type Finding struct {
	ID               string          `json:"id"`
	RuleID           string          `json:"rule_id"`
	NodeID           string          `json:"node_id"`
	NodeType         string          `json:"node_type"`
	Region           string          `json:"region"`
	Severity         string          `json:"severity"`
	Categories       []string        `json:"categories"`
	Status           string          `json:"status"`
	Acceptance       *Acceptance     `json:"acceptance"`
	ResolutionReason *string         `json:"resolution_reason"`
	RuleVersion      int             `json:"rule_version"`
	Reason           string          `json:"reason"`
	Evidence         json.RawMessage `json:"evidence"`
	FirstSeen        time.Time       `json:"first_seen"`
	LastSeen         time.Time       `json:"last_seen"`
	ResolvedAt       *time.Time      `json:"resolved_at"`
	ReopenCount      int             `json:"reopen_count"`
}

// FindingWithRule is GET /findings/{id}: the finding and its rule (nil when the rule is no
// longer loaded).
type FindingWithRule struct {
	Finding
	Rule map[string]interface{} `json:"rule"`
}

type Rule struct {
	ID          string   `json:"id"`
	Version     int64    `json:"version"`
	Title       string   `json:"title"`
	Severity    string   `json:"severity"`
	Resource    string   `json:"resource"`
	Categories  []string `json:"categories"`
	Description string   `json:"description"`
	Risk        string   `json:"risk"`
	Remediation struct {
		Text      string  `json:"text"`
		CLI       *string `json:"cli"`
		Terraform *string `json:"terraform"`
		URL       *string `json:"url"`
	} `json:"remediation"`
	References []string          `json:"references"`
	Condition  string            `json:"condition"`
	Reason     string            `json:"reason"`
	Examples   []json.RawMessage `json:"examples"`
	Source     string            `json:"source"`
}

type Evaluation struct {
	JobID  string `json:"job_id"`
	Status string `json:"status"`
}

type Hop struct {
	Seq        int             `json:"seq"`
	NodeID     string          `json:"node_id"`
	Component  string          `json:"component"`
	Verdict    string          `json:"verdict"`
	Matched    json.RawMessage `json:"matched"`
	ReasonCode string          `json:"reason_code"`
	Text       string          `json:"text"`
}

type Explanation struct {
	ReasonCode string `json:"reason_code"`
	Text       string `json:"text"`
}

type TraceResult struct {
	Reachable    bool          `json:"reachable"`
	Disposition  string        `json:"disposition"`
	ForwardHops  []Hop         `json:"forward_hops"`
	ReturnHops   []Hop         `json:"return_hops"`
	Explanations []Explanation `json:"explanations"`
	Assumptions  []string      `json:"assumptions"`
	BlockedAt    *struct {
		Seq       int    `json:"seq"`
		Component string `json:"component"`
		NodeID    string `json:"node_id"`
	} `json:"blocked_at"`
}

type OpenPorts struct {
	Protocol      string `json:"protocol"`
	FromPort      *int   `json:"from_port"`
	ToPort        *int   `json:"to_port"`
	AddressFamily string `json:"address_family"`
}

type Exposure struct {
	NodeID        string      `json:"node_id"`
	NodeType      string      `json:"node_type"`
	PublicAddress *string     `json:"public_address"`
	Open          []OpenPorts `json:"open"`
	Path          []Hop       `json:"path"`
}

type ControlCounts struct {
	Pass          int64 `json:"PASS"`
	Fail          int64 `json:"FAIL"`
	Manual        int64 `json:"MANUAL"`
	NotApplicable int64 `json:"NOT_APPLICABLE"`
}

type ComplianceSummary struct {
	// Score is the mean of the framework scores (percent); nil when no framework has one.
	Score      *float64 `json:"score"`
	Formula    string   `json:"formula"`
	Frameworks []struct {
		Framework string        `json:"framework"`
		Name      string        `json:"name"`
		Revision  string        `json:"revision"`
		Score     *float64      `json:"score"`
		Formula   string        `json:"formula"`
		Controls  ControlCounts `json:"controls"`
		// ControlsTotal counts every control of the revision.
		ControlsTotal int64 `json:"controls_total"`
		// ControlsAssessed is PASS + FAIL: the controls the score is about.
		ControlsAssessed int64 `json:"controls_assessed"`
		// Coverage is 100 × ControlsAssessed / ControlsTotal; nil for a framework without controls.
		Coverage *float64 `json:"coverage"`
		// CoverageText reads e.g. "12 of 62 controls assessed (19%); 40 manual, 10 not applicable".
		CoverageText string `json:"coverage_text"`
	} `json:"frameworks"`
	// Evaluation is the evaluation these scores are; nil before the tenant's first.
	Evaluation     *ScoredEvaluation `json:"evaluation"`
	LastEvaluation *struct {
		At     time.Time       `json:"at"`
		Counts json.RawMessage `json:"counts"`
	} `json:"last_evaluation"`
}

type FrameworkScore struct {
	ID                    string   `json:"id"`
	Name                  string   `json:"name"`
	Revision              string   `json:"revision"`
	Score                 *float64 `json:"score"`
	Formula               string   `json:"formula"`
	ControlsPassing       int64    `json:"controls_passing"`
	ControlsFailing       int64    `json:"controls_failing"`
	ControlsManual        int64    `json:"controls_manual"`
	ControlsNotApplicable int64    `json:"controls_not_applicable"`
	// ControlsTotal counts every control of the revision.
	ControlsTotal int64 `json:"controls_total"`
	// ControlsAssessed is PASS + FAIL: the controls the score is about.
	ControlsAssessed int64 `json:"controls_assessed"`
	// Coverage is 100 × ControlsAssessed / ControlsTotal; nil for a framework without controls.
	Coverage *float64 `json:"coverage"`
	// CoverageText reads e.g. "12 of 62 controls assessed (19%); 40 manual, 10 not applicable".
	CoverageText string            `json:"coverage_text"`
	Evaluation   *ScoredEvaluation `json:"evaluation"`
}

// ScoredEvaluation is the evaluation a stored compliance result reflects.
type ScoredEvaluation struct {
	EvaluationID    string    `json:"evaluation_id"`
	JobID           *string   `json:"job_id"`
	GraphGeneration int64     `json:"graph_generation"`
	EvaluatedAt     time.Time `json:"evaluated_at"`
}

type ControlScore struct {
	ID      string `json:"id"`
	Section string `json:"section"`
	Title   string `json:"title"`
	Status  string `json:"status"`
	// ManualCheck says, for a MANUAL control, what to check by hand.
	ManualCheck        *string  `json:"manual_check"`
	Rules              []string `json:"rules"`
	RulesPassing       int64    `json:"rules_passing"`
	RulesFailing       int64    `json:"rules_failing"`
	RulesErrored       int64    `json:"rules_errored"`
	ResourcesEvaluated int64    `json:"resources_evaluated"`
	ResourcesPassing   int64    `json:"resources_passing"`
	ResourcesFailing   int64    `json:"resources_failing"`
	ResourcesAccepted  int64    `json:"resources_accepted"`
	FailingRules       []string `json:"failing_rules"`
	ErroredRules       []string `json:"errored_rules"`
	ErroredResources   []string `json:"errored_resources"`
	Score              *float64 `json:"score"`
	Formula            string   `json:"formula"`
	// FailingResourcesTotal counts every unaccepted failure; FailingResources lists the first.
	FailingResourcesTotal int64 `json:"failing_resources_total"`
	FailingResources      []struct {
		NodeID string `json:"node_id"`
		RuleID string `json:"rule_id"`
		Reason string `json:"reason"`
	} `json:"failing_resources"`
}

type FrameworkControls struct {
	ID                    string   `json:"id"`
	Name                  string   `json:"name"`
	Revision              string   `json:"revision"`
	Score                 *float64 `json:"score"`
	Formula               string   `json:"formula"`
	ControlsPassing       int64    `json:"controls_passing"`
	ControlsFailing       int64    `json:"controls_failing"`
	ControlsManual        int64    `json:"controls_manual"`
	ControlsNotApplicable int64    `json:"controls_not_applicable"`
	// ControlsTotal counts every control of the revision.
	ControlsTotal int64 `json:"controls_total"`
	// ControlsAssessed is PASS + FAIL: the controls the score is about.
	ControlsAssessed int64 `json:"controls_assessed"`
	// Coverage is 100 × ControlsAssessed / ControlsTotal; nil for a framework without controls.
	Coverage *float64 `json:"coverage"`
	// CoverageText reads e.g. "12 of 62 controls assessed (19%); 40 manual, 10 not applicable".
	CoverageText string         `json:"coverage_text"`
	Controls     []ControlScore `json:"controls"`
}

type Webhook struct {
	ID        string    `json:"id"`
	URL       string    `json:"url"`
	Events    []string  `json:"events"`
	Enabled   bool      `json:"enabled"`
	CreatedAt time.Time `json:"created_at"`
}

type Delivery struct {
	ID             string     `json:"id"`
	EventID        string     `json:"event_id"`
	Event          string     `json:"event"`
	Status         string     `json:"status"`
	Attempts       int        `json:"attempts"`
	NextAttemptAt  time.Time  `json:"next_attempt_at"`
	LastStatusCode *int       `json:"last_status_code"`
	LastError      *string    `json:"last_error"`
	LastResponse   *string    `json:"last_response"`
	DeliveredAt    *time.Time `json:"delivered_at"`
	CreatedAt      time.Time  `json:"created_at"`
}

// WebhookEvent is the body of a webhook delivery, after its signature verified.
type WebhookEvent struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	Tenant    string          `json:"tenant"`
	CreatedAt time.Time       `json:"created_at"`
	Data      json.RawMessage `json:"data"`
}

type Report struct {
	ID        string  `json:"id"`
	JobID     string  `json:"job_id"`
	Framework *string `json:"framework"`
	Format    string  `json:"format"`
	Title     string  `json:"title"`
	// Status is PENDING, GENERATING, READY or FAILED.
	Status      string     `json:"status"`
	Error       *string    `json:"error"`
	RequestedBy string     `json:"requested_by"`
	ContentType *string    `json:"content_type"`
	Filename    *string    `json:"filename"`
	SizeBytes   *int64     `json:"size_bytes"`
	SHA256      *string    `json:"sha256"`
	GeneratedAt *time.Time `json:"generated_at"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

type AuditEvent struct {
	ID         string    `json:"id"`
	OccurredAt time.Time `json:"occurred_at"`
	ActorKeyID *string   `json:"actor_key_id"`
	ActorRole  *string   `json:"actor_role"`
	Action     string    `json:"action"`
	Method     string    `json:"method"`
	Path       string    `json:"path"`
	TargetType *string   `json:"target_type"`
	TargetID   *string   `json:"target_id"`
	Status     int       `json:"status"`
	RequestID  *string   `json:"request_id"`
	ClientIP   *string   `json:"client_ip"`
	// TenantID is set on the platform-wide list.
	TenantID string `json:"tenant_id,omitempty"`
}
