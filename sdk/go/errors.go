package infracast

// Typed errors: every non-2xx answer becomes an *APIError carrying the API's code, message and
// details and, for 429, RetryAfter. errors.Is(err, ErrNotFound) (and the other sentinels) match
// by HTTP status.

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Sentinels to test an *APIError against with errors.Is.
var (
	ErrBadRequest       = errors.New("infracast: bad request")
	ErrUnauthorized     = errors.New("infracast: unauthorized")
	ErrForbidden        = errors.New("infracast: forbidden")
	ErrNotFound         = errors.New("infracast: not found")
	ErrConflict         = errors.New("infracast: conflict")
	ErrPayloadTooLarge  = errors.New("infracast: payload too large")
	ErrRateLimited      = errors.New("infracast: rate limited")
	ErrServer           = errors.New("infracast: server error")
	ErrReportFailed     = errors.New("infracast: report failed")
	ErrWaitTimeout      = errors.New("infracast: wait timed out")
	ErrInvalidSignature = errors.New("infracast: webhook signature does not verify")
)

// APIError is an error answer of the API.
type APIError struct {
	Status  int
	Code    string
	Message string
	Details json.RawMessage
	// RetryAfter is set on 429 answers (from Retry-After, else the body's retry_after).
	RetryAfter time.Duration
}

func (e *APIError) Error() string {
	return fmt.Sprintf("infracast: %d %s: %s", e.Status, e.Code, e.Message)
}

// Is lets errors.Is(err, ErrNotFound) and friends match by status.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrBadRequest:
		return e.Status == 400
	case ErrUnauthorized:
		return e.Status == 401
	case ErrForbidden:
		return e.Status == 403
	case ErrNotFound:
		return e.Status == 404
	case ErrConflict:
		return e.Status == 409
	case ErrPayloadTooLarge:
		return e.Status == 413
	case ErrRateLimited:
		return e.Status == 429
	case ErrServer:
		return e.Status >= 500
	}
	return false
}

// ConnectionError is a request that got no HTTP answer.
type ConnectionError struct {
	URL string
	Err error
}

func (e *ConnectionError) Error() string {
	return fmt.Sprintf("infracast: cannot reach %s: %v", e.URL, e.Err)
}

func (e *ConnectionError) Unwrap() error { return e.Err }

func errorFromResponse(status int, body []byte, retryAfterHeader string) *APIError {
	var parsed struct {
		Error struct {
			Code       string          `json:"code"`
			Message    string          `json:"message"`
			Details    json.RawMessage `json:"details"`
			RetryAfter *float64        `json:"retry_after"`
		} `json:"error"`
	}
	_ = json.Unmarshal(body, &parsed)
	apiError := &APIError{
		Status:  status,
		Code:    parsed.Error.Code,
		Message: parsed.Error.Message,
		Details: parsed.Error.Details,
	}
	if apiError.Code == "" {
		if status >= 500 {
			apiError.Code = "INTERNAL_ERROR"
		} else {
			apiError.Code = "HTTP_ERROR"
		}
	}
	if apiError.Message == "" {
		apiError.Message = fmt.Sprintf("HTTP %d", status)
	}
	if seconds, err := strconv.ParseFloat(retryAfterHeader, 64); err == nil {
		apiError.RetryAfter = time.Duration(seconds * float64(time.Second))
	} else if parsed.Error.RetryAfter != nil {
		apiError.RetryAfter = time.Duration(*parsed.Error.RetryAfter * float64(time.Second))
	}
	return apiError
}
