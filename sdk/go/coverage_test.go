package infracast_test

import (
	"context"
	"reflect"
	"regexp"
	"strings"
	"testing"

	infracast "github.com/azgardtek/infracast-go"
)

var pathParameter = regexp.MustCompile(`\{[^}]+\}`)

// TestEveryServedOperationIsCovered fails when the served OpenAPI document has an operation that
// Operations lacks (not the reverse: the table may list operations a newer server has).
func TestEveryServedOperationIsCovered(t *testing.T) {
	defer failOnError(t)
	document := must(infracast.NewClient(apiURL(t), "").Health.OpenAPI(context.Background()))
	paths, _ := document["paths"].(map[string]interface{})
	covered := map[string]bool{}
	for _, operation := range infracast.Operations {
		covered[operation.Method+" "+pathParameter.ReplaceAllString(operation.Path, "{}")] = true
	}
	served := 0
	for path, operations := range paths {
		for method := range operations.(map[string]interface{}) {
			switch method {
			case "get", "post", "put", "patch", "delete":
			default:
				continue
			}
			served++
			key := strings.ToUpper(method) + " " + pathParameter.ReplaceAllString(path, "{}")
			if !covered[key] {
				t.Errorf("the Go SDK does not cover %s", key)
			}
		}
	}
	if served < 40 {
		t.Fatalf("only %d operations served", served)
	}
}

// TestEveryListedMethodExists checks each "Service.Method" of Operations on a real client.
func TestEveryListedMethodExists(t *testing.T) {
	defer failOnError(t)
	client := reflect.ValueOf(infracast.NewClient("http://127.0.0.1:1", ""))
	for _, operation := range infracast.Operations {
		parts := strings.Split(operation.Func, ".")
		service := client.Elem().FieldByName(parts[0])
		if !service.IsValid() || !service.MethodByName(parts[1]).IsValid() {
			t.Errorf("%s %s names %s, which does not exist", operation.Method, operation.Path, operation.Func)
		}
	}
}
