package infracast

// Operation is one (method, path) of the API and the client method covering it, as
// "Service.Method" (client.Service.Method). The coverage test fails when the served OpenAPI
// document has an operation missing here, or when a method named here does not exist.
type Operation struct {
	Method string
	Path   string
	Func   string
}

// Operations lists every operation of the API.
var Operations = []Operation{
	{"GET", "/healthz", "Health.Check"},
	{"GET", "/livez", "Health.Live"},
	{"GET", "/api/v1/status", "Health.Status"},
	{"GET", "/api/v1/openapi.json", "Health.OpenAPI"},
	{"GET", "/api/v1/openapi.yaml", "Health.OpenAPIYAML"},
	{"POST", "/api/v1/auth/token", "Auth.Token"},
	{"POST", "/api/v1/auth/refresh", "Auth.Refresh"},
	{"GET", "/api/v1/auth/me", "Auth.Me"},
	{"GET", "/api/v1/tenants", "Tenants.List"},
	{"POST", "/api/v1/tenants", "Tenants.Create"},
	{"GET", "/api/v1/tenants/{tenant}", "Tenants.Get"},
	{"PUT", "/api/v1/tenants/{tenant}", "Tenants.Update"},
	{"DELETE", "/api/v1/tenants/{tenant}", "Tenants.Delete"},
	{"GET", "/api/v1/tenants/{tenant}/api-keys", "APIKeys.List"},
	{"POST", "/api/v1/tenants/{tenant}/api-keys", "APIKeys.Create"},
	{"DELETE", "/api/v1/tenants/{tenant}/api-keys/{key_id}", "APIKeys.Revoke"},
	{"GET", "/api/v1/tenants/{tenant}/nodes", "Nodes.List"},
	{"POST", "/api/v1/tenants/{tenant}/nodes", "Nodes.Create"},
	{"GET", "/api/v1/tenants/{tenant}/nodes/{node_id}", "Nodes.Get"},
	{"DELETE", "/api/v1/tenants/{tenant}/nodes/{node_id}", "Nodes.Delete"},
	{"GET", "/api/v1/tenants/{tenant}/edges", "Edges.List"},
	{"POST", "/api/v1/tenants/{tenant}/edges", "Edges.Create"},
	{"GET", "/api/v1/tenants/{tenant}/edges/{edge_id}", "Edges.Get"},
	{"DELETE", "/api/v1/tenants/{tenant}/edges/{edge_id}", "Edges.Delete"},
	{"GET", "/api/v1/tenants/{tenant}/jobs", "Jobs.List"},
	{"POST", "/api/v1/tenants/{tenant}/jobs", "Jobs.Create"},
	{"GET", "/api/v1/tenants/{tenant}/jobs/{job_id}", "Jobs.Get"},
	{"POST", "/api/v1/tenants/{tenant}/jobs/{job_id}/start", "Jobs.Start"},
	{"POST", "/api/v1/tenants/{tenant}/jobs/{job_id}/cancel", "Jobs.Cancel"},
	{"GET", "/api/v1/tenants/{tenant}/jobs/{job_id}/diff", "Jobs.Diff"},
	{"GET", "/api/v1/tenants/{tenant}/jobs/{job_id}/events", "Jobs.Events"},
	{"GET", "/api/v1/tenants/{tenant}/schedules", "Schedules.List"},
	{"POST", "/api/v1/tenants/{tenant}/schedules", "Schedules.Create"},
	{"GET", "/api/v1/tenants/{tenant}/schedules/{schedule_id}", "Schedules.Get"},
	{"DELETE", "/api/v1/tenants/{tenant}/schedules/{schedule_id}", "Schedules.Delete"},
	{"POST", "/api/v1/tenants/{tenant}/schedules/{schedule_id}/enable", "Schedules.Enable"},
	{"POST", "/api/v1/tenants/{tenant}/schedules/{schedule_id}/disable", "Schedules.Disable"},
	{"GET", "/api/v1/tenants/{tenant}/findings", "Findings.List"},
	{"GET", "/api/v1/tenants/{tenant}/findings/{finding_id}", "Findings.Get"},
	{"POST", "/api/v1/tenants/{tenant}/findings/{finding_id}/accept", "Findings.Accept"},
	{"POST", "/api/v1/tenants/{tenant}/findings/{finding_id}/resolve", "Findings.Resolve"},
	{"GET", "/api/v1/tenants/{tenant}/rules", "Rules.List"},
	{"GET", "/api/v1/tenants/{tenant}/rules/{rule_id}", "Rules.Get"},
	{"POST", "/api/v1/tenants/{tenant}/evaluations", "Evaluations.Create"},
	{"POST", "/api/v1/tenants/{tenant}/pathtracer/trace", "PathTracer.Trace"},
	{"GET", "/api/v1/tenants/{tenant}/exposure", "Exposure.List"},
	{"GET", "/api/v1/tenants/{tenant}/compliance/summary", "Compliance.Summary"},
	{"GET", "/api/v1/tenants/{tenant}/compliance/frameworks", "Compliance.Frameworks"},
	{"GET", "/api/v1/tenants/{tenant}/compliance/controls", "Compliance.Controls"},
	{"GET", "/api/v1/tenants/{tenant}/webhooks", "Webhooks.List"},
	{"POST", "/api/v1/tenants/{tenant}/webhooks", "Webhooks.Create"},
	{"GET", "/api/v1/tenants/{tenant}/webhooks/{webhook_id}", "Webhooks.Get"},
	{"DELETE", "/api/v1/tenants/{tenant}/webhooks/{webhook_id}", "Webhooks.Delete"},
	{"GET", "/api/v1/tenants/{tenant}/webhooks/{webhook_id}/deliveries", "Webhooks.Deliveries"},
	{"POST", "/api/v1/tenants/{tenant}/reports/generate", "Reports.Generate"},
	{"GET", "/api/v1/tenants/{tenant}/reports", "Reports.List"},
	{"GET", "/api/v1/tenants/{tenant}/reports/{report_id}", "Reports.Get"},
	{"GET", "/api/v1/tenants/{tenant}/reports/{report_id}/download", "Reports.Download"},
	{"GET", "/api/v1/tenants/{tenant}/audit-events", "AuditEvents.List"},
	{"GET", "/api/v1/audit-events", "AuditEvents.ListPlatform"},
}
