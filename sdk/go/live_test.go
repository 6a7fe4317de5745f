package infracast_test

// The Go SDK against a live server with the sample estate, started by scripts/test-sdks.sh
// (its URL and keys come from the environment).

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	infracast "github.com/azgardtek/infracast-go"
)

const demo = "demo"

func setting(t *testing.T, name string) string {
	t.Helper()
	value := os.Getenv(name)
	if value == "" {
		t.Fatalf("%s is not set: run the suites through scripts/test-sdks.sh", name)
	}
	return value
}

func apiURL(t *testing.T) string { return setting(t, "INFRACAST_API_URL") }

func demoClient(t *testing.T, options ...infracast.Option) *infracast.Client {
	return infracast.NewClient(apiURL(t), setting(t, "INFRACAST_DEMO_KEY"), options...)
}

func platformClient(t *testing.T) *infracast.Client {
	return infracast.NewClient(apiURL(t), setting(t, "INFRACAST_PLATFORM_KEY"))
}

func unique(prefix string) string {
	raw := make([]byte, 5)
	_, _ = rand.Read(raw)
	return prefix + "-" + hex.EncodeToString(raw)
}

// testFailure carries an error from must to failOnError.
type testFailure struct{ err error }

// must returns value, or ends the test with err (every test defers failOnError). It lets a call
// returning (value, error) be used in place, which Go's f(g()) rule forbids with a t argument.
func must[T any](value T, err error) T {
	if err != nil {
		panic(testFailure{err})
	}
	return value
}

func failOnError(t *testing.T) {
	if recovered := recover(); recovered != nil {
		failure, ok := recovered.(testFailure)
		if !ok {
			panic(recovered)
		}
		t.Fatal(failure.err)
	}
}

func instanceNamed(t *testing.T, client *infracast.Client, name string) infracast.Node {
	t.Helper()
	page := must(client.Nodes.List(context.Background(), demo, &infracast.NodeFilter{Types: []string{"aws.ec2.instance"}, Q: name}, nil))
	var found []infracast.Node
	for _, node := range page.Items {
		if node.Name == name {
			found = append(found, node)
		}
	}
	if len(found) != 1 {
		t.Fatalf("expected one instance named %s, got %d", name, len(found))
	}
	return found[0]
}

// poll calls condition until it reports done, failing the test after timeout.
func poll(t *testing.T, timeout time.Duration, what string, condition func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !condition() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestNodeFiltersAndSort(t *testing.T) {
	defer failOnError(t)
	ctx := context.Background()
	client := demoClient(t)
	filter := &infracast.NodeFilter{Types: []string{"aws.ec2.instance"}, Region: "us-east-1", Sort: "name"}
	ascending := must(client.Nodes.List(ctx, demo, filter, &infracast.ListOptions{PerPage: 200}))
	if len(ascending.Items) < 5 || ascending.Total != int64(len(ascending.Items)) {
		t.Fatalf("expected every instance on one page, got %d of %d", len(ascending.Items), ascending.Total)
	}
	var names []string
	for _, node := range ascending.Items {
		if node.Type != "aws.ec2.instance" || node.Region != "us-east-1" {
			t.Fatalf("filter let %s (%s, %s) through", node.ID, node.Type, node.Region)
		}
		names = append(names, node.Name)
	}
	if !sort.StringsAreSorted(names) {
		t.Fatalf("not sorted by name: %v", names)
	}
	filter.Sort = "-name"
	descending := must(client.Nodes.List(ctx, demo, filter, &infracast.ListOptions{PerPage: 200}))
	for index, node := range descending.Items {
		if node.Name != names[len(names)-1-index] {
			t.Fatalf("descending order differs at %d: %s", index, node.Name)
		}
	}
}

func TestFindingSeverityFilter(t *testing.T) {
	defer failOnError(t)
	ctx := context.Background()
	client := demoClient(t)
	page := must(client.Findings.List(ctx, demo, &infracast.FindingFilter{Severity: []string{"HIGH", "CRITICAL"}}, &infracast.ListOptions{PerPage: 500}))
	if len(page.Items) == 0 {
		t.Fatal("no high or critical findings in the sample estate")
	}
	for _, finding := range page.Items {
		if finding.Severity != "high" && finding.Severity != "critical" {
			t.Fatalf("filter let a %s finding through", finding.Severity)
		}
	}
	all := must(client.Findings.List(ctx, demo, nil, &infracast.ListOptions{PerPage: 1}))
	if all.Total <= page.Total {
		t.Fatalf("the filter left nothing out (%d of %d)", page.Total, all.Total)
	}
}

func TestIteratorWalksEveryPageWithTheCursor(t *testing.T) {
	defer failOnError(t)
	ctx := context.Background()
	client := demoClient(t)
	first := must(client.Nodes.List(ctx, demo, nil, &infracast.ListOptions{PerPage: 20}))
	if first.Total <= 100 || first.NextCursor == "" {
		t.Fatalf("the sample estate should need several pages of 20 (total %d, cursor %q)", first.Total, first.NextCursor)
	}
	seen := map[string]bool{}
	iterator := client.Nodes.Iter(ctx, demo, nil, 20)
	for iterator.Next() {
		node := iterator.Item()
		if seen[node.ID] {
			t.Fatalf("%s seen twice", node.ID)
		}
		seen[node.ID] = true
	}
	if err := iterator.Err(); err != nil {
		t.Fatal(err)
	}
	if int64(len(seen)) != first.Total {
		t.Fatalf("iterated %d nodes, the list says %d", len(seen), first.Total)
	}
	findings := client.Findings.Iter(ctx, demo, nil, 11)
	count := 0
	for findings.Next() {
		count++
	}
	total := must(client.Findings.List(ctx, demo, nil, &infracast.ListOptions{PerPage: 1})).Total
	if findings.Err() != nil || int64(count) != total {
		t.Fatalf("iterated %d findings of %d (%v)", count, total, findings.Err())
	}
}

func TestTraceReachableAndNot(t *testing.T) {
	defer failOnError(t)
	ctx := context.Background()
	client := demoClient(t)
	web := instanceNamed(t, client, "prod-web-00")
	database := instanceNamed(t, client, "prod-db-00")
	outbound := must(client.PathTracer.Trace(ctx, demo, infracast.TraceRequest{SourceNodeID: web.ID, DestinationCIDR: "0.0.0.0/0", Port: infracast.Port(443), Protocol: "tcp"}))
	if !outbound.Reachable || outbound.Disposition != "EXITS_NETWORK" || outbound.ForwardHops[0].ReasonCode != "SG_ALLOWS_EGRESS" {
		t.Fatalf("outbound 443: %+v", outbound)
	}
	blocked := must(client.PathTracer.Trace(ctx, demo, infracast.TraceRequest{SourceNodeID: web.ID, DestinationNodeID: database.ID, Port: infracast.Port(5432)}))
	if blocked.Reachable || blocked.Disposition != "DENIED_IN" || blocked.BlockedAt == nil {
		t.Fatalf("web to database 5432: %+v", blocked)
	}
}

func TestComplianceAndAcceptingAFinding(t *testing.T) {
	defer failOnError(t)
	ctx := context.Background()
	client := demoClient(t)
	summary := must(client.Compliance.Summary(ctx, demo))
	if summary.Score == nil || len(summary.Frameworks) == 0 {
		t.Fatalf("summary without a score: %+v", summary)
	}
	frameworks := must(client.Compliance.Frameworks(ctx, demo))
	controls := must(client.Compliance.Controls(ctx, demo, frameworks[0].ID))
	if int64(len(controls.Controls)) != frameworks[0].ControlsTotal {
		t.Fatalf("%d controls, the framework says %d", len(controls.Controls), frameworks[0].ControlsTotal)
	}
	// Coverage beside the score, and the stored evaluation the scores are.
	first := frameworks[0]
	if first.ControlsAssessed != first.ControlsPassing+first.ControlsFailing || controls.ControlsAssessed != first.ControlsAssessed {
		t.Fatalf("assessed %d (controls answer %d), pass %d + fail %d", first.ControlsAssessed, controls.ControlsAssessed, first.ControlsPassing, first.ControlsFailing)
	}
	if want := fmt.Sprintf("%d of %d controls assessed", first.ControlsAssessed, first.ControlsTotal); !strings.HasPrefix(first.CoverageText, want) {
		t.Fatalf("coverage text %q does not start with %q", first.CoverageText, want)
	}
	if summary.Evaluation == nil || first.Evaluation == nil || first.Evaluation.EvaluationID != summary.Evaluation.EvaluationID {
		t.Fatalf("the scores do not name one stored evaluation: %+v %+v", summary.Evaluation, first.Evaluation)
	}
	open := must(client.Findings.List(ctx, demo, &infracast.FindingFilter{Status: []string{"open"}}, &infracast.ListOptions{PerPage: 1}))
	finding := open.Items[0]
	accepted := must(client.Findings.Accept(ctx, demo, finding.ID, infracast.AcceptRequest{Reason: "accepted by the go sdk test"}))
	if accepted.Status != "accepted" {
		t.Fatalf("status %s after accept", accepted.Status)
	}
	again := must(client.Findings.Get(ctx, demo, finding.ID))
	if again.Status != "accepted" || again.Acceptance == nil || *again.Acceptance.Reason != "accepted by the go sdk test" || again.Rule["id"] != finding.RuleID {
		t.Fatalf("after accept: %+v", again)
	}
}

func TestReportGeneratedWaitedForAndDownloaded(t *testing.T) {
	defer failOnError(t)
	ctx := context.Background()
	client := demoClient(t)
	frameworks := must(client.Compliance.Frameworks(ctx, demo))
	report := must(client.Reports.Generate(ctx, demo, infracast.ReportRequest{Format: "pdf", Framework: frameworks[0].ID}))
	ready := must(client.Reports.Wait(ctx, demo, report.ID, 2*time.Minute))
	if ready.Status != "READY" {
		t.Fatalf("report %s", ready.Status)
	}
	content := must(client.Reports.Download(ctx, demo, report.ID))
	if !bytes.HasPrefix(content, []byte("%PDF-")) || int64(len(content)) != *ready.SizeBytes {
		t.Fatalf("not the PDF announced: %d bytes, starts %q", len(content), content[:8])
	}
	path := t.TempDir() + "/report.pdf"
	if err := client.Reports.DownloadToFile(ctx, demo, report.ID, path); err != nil {
		t.Fatal(err)
	}
	written := must(os.ReadFile(path))
	if !bytes.Equal(written, content) {
		t.Fatal("the file differs from the downloaded bytes")
	}
}

func TestNotFoundIsATypedError(t *testing.T) {
	defer failOnError(t)
	_, err := demoClient(t).Nodes.Get(context.Background(), demo, "aws:us-east-1:aws.ec2.instance:i-missing")
	var apiError *infracast.APIError
	if !errors.As(err, &apiError) || !errors.Is(err, infracast.ErrNotFound) || apiError.Status != 404 || apiError.Code != "NOT_FOUND" {
		t.Fatalf("expected a 404 APIError, got %v", err)
	}
}

func TestRateLimitIsTypedAndRetriedAfterRetryAfter(t *testing.T) {
	defer failOnError(t)
	ctx := context.Background()
	platform := platformClient(t)
	tenant := unique("sdk-go-free")
	must(platform.Tenants.Create(ctx, infracast.TenantCreate{ID: tenant, Name: "SDK rate limit", Plan: "free"}))
	defer platform.Tenants.Delete(ctx, tenant)
	key := must(platform.APIKeys.Create(ctx, tenant, "admin", ""))
	hammer := infracast.NewClient(apiURL(t), key.Key, infracast.WithMaxRetries(0))
	var limited error
	for index := 0; index < 50 && limited == nil; index++ {
		_, limited = hammer.Auth.Me(ctx)
	}
	var apiError *infracast.APIError
	if !errors.As(limited, &apiError) || !errors.Is(limited, infracast.ErrRateLimited) || apiError.Code != "RATE_LIMITED" || apiError.RetryAfter <= 0 {
		t.Fatalf("expected a 429 with RetryAfter, got %v", limited)
	}
	type retry struct {
		delay time.Duration
		err   error
	}
	var lock sync.Mutex
	var retries []retry
	patient := infracast.NewClient(apiURL(t), key.Key, infracast.WithMaxRetries(5), infracast.WithRetryHook(func(_ int, delay time.Duration, err error) {
		lock.Lock()
		defer lock.Unlock()
		retries = append(retries, retry{delay, err})
	}))
	started := time.Now()
	for index := 0; index < 3; index++ {
		me := must(patient.Auth.Me(ctx))
		if me.Tenant == nil || *me.Tenant != tenant {
			t.Fatalf("me: %+v", me)
		}
	}
	if len(retries) == 0 {
		t.Fatal("the burst was spent, so a retry was needed")
	}
	var waited time.Duration
	for _, entry := range retries {
		if !errors.As(entry.err, &apiError) || apiError.Status != 429 || entry.delay != apiError.RetryAfter {
			t.Fatalf("retry waited %s for %v", entry.delay, entry.err)
		}
		waited += entry.delay
	}
	if elapsed := time.Since(started); elapsed < waited*9/10 {
		t.Fatalf("took %s, shorter than the %s the retries said they waited", elapsed, waited)
	}
}

func TestConnectionFailuresRetriedOnlyForIdempotentRequests(t *testing.T) {
	defer failOnError(t)
	ctx := context.Background()
	probe := must(net.Listen("tcp", "127.0.0.1:0"))
	closedURL := "http://" + probe.Addr().String()
	probe.Close() // nothing listens there now
	var attempts []int
	client := infracast.NewClient(closedURL, "x", infracast.WithMaxRetries(2), infracast.WithMaxRetryWait(50*time.Millisecond),
		infracast.WithRetryHook(func(attempt int, _ time.Duration, err error) {
			var connection *infracast.ConnectionError
			if !errors.As(err, &connection) {
				t.Errorf("retried after %v", err)
			}
			attempts = append(attempts, attempt)
		}))
	_, err := client.Nodes.List(ctx, demo, nil, nil)
	var connection *infracast.ConnectionError
	if !errors.As(err, &connection) || len(attempts) != 2 || attempts[0] != 1 || attempts[1] != 2 {
		t.Fatalf("GET: %v after retries %v", err, attempts)
	}
	attempts = nil
	_, err = client.Jobs.Create(ctx, demo, infracast.JobCreate{Provider: "fixture", Config: map[string]interface{}{"sample": true}})
	if !errors.As(err, &connection) || len(attempts) != 0 {
		t.Fatalf("POST: %v after retries %v (a POST may have been processed: never sent twice)", err, attempts)
	}
}

func TestTokensMintRefreshAndAutomaticRefresh(t *testing.T) {
	defer failOnError(t)
	ctx := context.Background()
	client := demoClient(t)
	tokens := must(client.Auth.Token(ctx, ""))
	if tokens.TokenType != "Bearer" || tokens.ExpiresIn <= 0 {
		t.Fatalf("tokens: %+v", tokens)
	}
	withToken := infracast.NewClient(apiURL(t), tokens.AccessToken)
	if me := must(withToken.Auth.Me(ctx)); me.Credential != "access_token" {
		t.Fatalf("credential %s", me.Credential)
	}
	expired := infracast.NewClient(apiURL(t), "not-a-valid-access-token", infracast.WithRefreshToken(tokens.RefreshToken))
	me := must(expired.Auth.Me(ctx))
	if me.Tenant == nil || *me.Tenant != demo || me.Credential != "access_token" {
		t.Fatalf("after refresh: %+v", me)
	}
	access, refresh := expired.Tokens()
	if access == "not-a-valid-access-token" || refresh == tokens.RefreshToken {
		t.Fatal("the client did not adopt the new pair")
	}
	if _, err := client.Auth.Refresh(ctx, tokens.RefreshToken); !errors.Is(err, infracast.ErrUnauthorized) {
		t.Fatalf("a used refresh token should be refused, got %v", err)
	}
}

func TestDiscoverWaitsAndStreamsEvents(t *testing.T) {
	defer failOnError(t)
	ctx := context.Background()
	client := demoClient(t)
	var events []infracast.JobEvent
	job := must(client.Jobs.Discover(ctx, demo, infracast.JobRequest{Provider: "fixture", Config: map[string]interface{}{"sample": true}}, 2*time.Minute, func(event infracast.JobEvent) {
		events = append(events, event)
	}))
	if job.Status != "succeeded" || !job.Finished() {
		t.Fatalf("job %s", job.Status)
	}
	if len(events) == 0 || events[len(events)-1].Event != "done" || events[len(events)-1].ID != job.ID {
		t.Fatalf("events: %+v", events)
	}
	stream := client.Jobs.Events(ctx, demo, job.ID)
	defer stream.Close()
	var replay []string
	for stream.Next() {
		replay = append(replay, stream.Event().Event)
	}
	if stream.Err() != nil || len(replay) != 1 || replay[0] != "done" {
		t.Fatalf("a finished job's stream: %v %v", replay, stream.Err())
	}
	created := must(client.Jobs.Create(ctx, demo, infracast.JobCreate{Provider: "fixture", Config: map[string]interface{}{"sample": true}}))
	if created.Status != "created" {
		t.Fatalf("created job is %s", created.Status)
	}
	must(client.Jobs.Start(ctx, demo, created.ID))
	if finished := must(client.Jobs.Wait(ctx, demo, created.ID, 2*time.Minute, nil)); finished.Status != "succeeded" {
		t.Fatalf("started job ended %s", finished.Status)
	}
}

func TestSignedWebhookDeliveryVerifies(t *testing.T) {
	defer failOnError(t)
	ctx := context.Background()
	type delivery struct {
		header http.Header
		body   []byte
	}
	var lock sync.Mutex
	var received []delivery
	listener := must(net.Listen("tcp", "127.0.0.1:0"))
	server := &http.Server{Handler: http.HandlerFunc(func(writer http.ResponseWriter, request *http.Request) {
		body, _ := io.ReadAll(request.Body)
		lock.Lock()
		received = append(received, delivery{request.Header.Clone(), body})
		lock.Unlock()
		_, _ = writer.Write([]byte("ok"))
	})}
	go server.Serve(listener)
	defer server.Close()

	client := demoClient(t)
	secret := "go-sdk-secret-0123456789"
	webhook := must(client.Webhooks.Create(ctx, demo, infracast.WebhookCreate{URL: "http://" + listener.Addr().String() + "/hook", Events: []string{"job.completed"}, Secret: secret}))
	defer client.Webhooks.Delete(ctx, demo, webhook.ID)
	job := must(client.Jobs.Discover(ctx, demo, infracast.JobRequest{Provider: "fixture", Config: map[string]interface{}{"sample": true}}, 2*time.Minute, nil))

	var got delivery
	poll(t, 30*time.Second, "the job.completed delivery", func() bool {
		lock.Lock()
		defer lock.Unlock()
		for _, entry := range received {
			if strings.Contains(string(entry.body), job.ID) {
				got = entry
				return true
			}
		}
		return false
	})
	event := must(infracast.VerifyWebhook(got.body, got.header, secret, 0))
	if event.Type != "job.completed" || event.Tenant != demo {
		t.Fatalf("event: %+v", event)
	}
	if _, err := infracast.VerifyWebhook(append(append([]byte{}, got.body...), ' '), got.header, secret, 0); !errors.Is(err, infracast.ErrInvalidSignature) {
		t.Fatalf("a changed body verified: %v", err)
	}
	if _, err := infracast.VerifyWebhook(got.body, got.header, "another-secret-0123456789", 0); !errors.Is(err, infracast.ErrInvalidSignature) {
		t.Fatalf("another secret verified: %v", err)
	}
	err := infracast.VerifySignature(got.body, got.header.Get(infracast.SignatureHeader), got.header.Get(infracast.TimestampHeader), secret, 5*time.Minute, time.Now().Add(time.Hour))
	if !errors.Is(err, infracast.ErrInvalidSignature) {
		t.Fatalf("an hour-old delivery verified: %v", err)
	}
	poll(t, 30*time.Second, "a delivered entry in the log", func() bool {
		log := must(client.Webhooks.Deliveries(ctx, demo, webhook.ID))
		for _, entry := range log.Items {
			if entry.Status == "delivered" && entry.LastStatusCode != nil && *entry.LastStatusCode == 200 {
				return true
			}
		}
		return false
	})
}

func TestTenantLifecycleKeysAndGraphWrites(t *testing.T) {
	defer failOnError(t)
	ctx := context.Background()
	platform := platformClient(t)
	tenant := unique("sdk-go-tenant")
	created := must(platform.Tenants.Create(ctx, infracast.TenantCreate{ID: tenant, Name: "Created by SDK"}))
	if created.Plan != "free" {
		t.Fatalf("default plan %s", created.Plan)
	}
	if updated := must(platform.Tenants.Update(ctx, tenant, infracast.TenantUpdate{Plan: "enterprise"})); updated.Plan != "enterprise" {
		t.Fatalf("plan after update %s", updated.Plan)
	}
	key := must(platform.APIKeys.Create(ctx, tenant, "admin", "go admin"))
	admin := infracast.NewClient(apiURL(t), key.Key)
	vpc := must(admin.Nodes.Create(ctx, tenant, infracast.NodeCreate{ID: "aws:us-east-1:aws.ec2.vpc:vpc-go", Tags: map[string]string{"team": "go"}}))
	subnet := must(admin.Nodes.Create(ctx, tenant, infracast.NodeCreate{ID: "aws:us-east-1:aws.ec2.subnet:subnet-go"}))
	edge := must(admin.Edges.Create(ctx, tenant, infracast.EdgeCreate{Kind: "contains", Src: vpc.ID, Dst: subnet.ID}))
	if got := must(admin.Edges.Get(ctx, tenant, edge.ID)); got.Dst != subnet.ID {
		t.Fatalf("edge: %+v", got)
	}
	tagged := must(admin.Nodes.List(ctx, tenant, &infracast.NodeFilter{Tags: map[string]string{"team": "go"}}, nil))
	if len(tagged.Items) != 1 || tagged.Items[0].ID != vpc.ID {
		t.Fatalf("tag filter: %+v", tagged.Items)
	}
	if err := admin.Edges.Delete(ctx, tenant, edge.ID); err != nil {
		t.Fatal(err)
	}
	if err := admin.Nodes.Delete(ctx, tenant, subnet.ID); err != nil {
		t.Fatal(err)
	}
	enabled := false
	schedule := must(admin.Schedules.Create(ctx, tenant, infracast.ScheduleCreate{Cron: "0 3 * * *", Job: infracast.JobRequest{Provider: "fixture", Config: map[string]interface{}{"sample": true}}, Enabled: &enabled}))
	if schedule.Enabled || !must(admin.Schedules.Enable(ctx, tenant, schedule.ID)).Enabled {
		t.Fatal("schedule enable/disable")
	}
	evaluation := must(admin.Evaluations.Create(ctx, tenant))
	if job := must(admin.Jobs.Wait(ctx, tenant, evaluation.JobID, time.Minute, nil)); job.Kind != "evaluation" {
		t.Fatalf("evaluation job kind %s", job.Kind)
	}
	if err := platform.APIKeys.Revoke(ctx, tenant, key.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Auth.Me(ctx); !errors.Is(err, infracast.ErrUnauthorized) {
		t.Fatalf("a revoked key still works: %v", err)
	}
	if err := platform.Tenants.Delete(ctx, tenant); err != nil {
		t.Fatal(err)
	}
	if _, err := platform.Tenants.Get(ctx, tenant); !errors.Is(err, infracast.ErrNotFound) {
		t.Fatalf("deleted tenant: %v", err)
	}
}

func TestAuditEventsWhenServed(t *testing.T) {
	defer failOnError(t)
	ctx := context.Background()
	document := must(platformClient(t).Health.OpenAPI(ctx))
	paths, _ := document["paths"].(map[string]interface{})
	if _, ok := paths["/api/v1/tenants/{tenant}/audit-events"]; !ok {
		t.Skip("this server does not serve the audit log yet")
	}
	client := demoClient(t)
	since := time.Now().Add(-5 * time.Second)
	schedule := must(client.Schedules.Create(ctx, demo, infracast.ScheduleCreate{Cron: "0 4 * * *", Job: infracast.JobRequest{Provider: "fixture", Config: map[string]interface{}{"sample": true}}}))
	if err := client.Schedules.Delete(ctx, demo, schedule.ID); err != nil {
		t.Fatal(err)
	}
	// Two writes on one target: its creation and its deletion, oldest first.
	page := must(client.AuditEvents.List(ctx, demo, &infracast.AuditFilter{TargetID: schedule.ID, Since: &since, Sort: "occurred_at"}, nil))
	if len(page.Items) != 2 || page.Items[0].Method != "POST" || page.Items[1].Method != "DELETE" {
		t.Fatalf("the schedule's audit trail: %+v", page.Items)
	}
	deletions := must(client.AuditEvents.List(ctx, demo, &infracast.AuditFilter{TargetID: schedule.ID, Action: []string{page.Items[1].Action}}, nil))
	if len(deletions.Items) != 1 || deletions.Items[0].ID != page.Items[1].ID {
		t.Fatalf("action filter: %+v", deletions.Items)
	}
	iterator := client.AuditEvents.Iter(ctx, demo, &infracast.AuditFilter{Since: &since}, 1)
	seen := map[string]bool{}
	for iterator.Next() {
		if seen[iterator.Item().ID] {
			t.Fatalf("%s seen twice", iterator.Item().ID)
		}
		seen[iterator.Item().ID] = true
	}
	if iterator.Err() != nil || len(seen) < 2 {
		t.Fatalf("iterated %d events: %v", len(seen), iterator.Err())
	}
	across := must(platformClient(t).AuditEvents.ListPlatform(ctx, &infracast.AuditFilter{Tenant: demo, TargetID: schedule.ID}, nil))
	if len(across.Items) != 2 {
		t.Fatalf("platform list: %+v", across.Items)
	}
	for _, event := range across.Items {
		if event.TenantID != demo || event.TargetID == nil || *event.TargetID != schedule.ID {
			t.Fatalf("platform list let %+v through", event)
		}
	}
	platformIterator := platformClient(t).AuditEvents.IterPlatform(ctx, &infracast.AuditFilter{Tenant: demo, TargetID: schedule.ID}, 1)
	count := 0
	for platformIterator.Next() {
		count++
	}
	if platformIterator.Err() != nil || count != 2 {
		t.Fatalf("platform iteration: %d, %v", count, platformIterator.Err())
	}
}
