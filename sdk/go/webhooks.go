package infracast

// Verifying a webhook delivery: X-Infracast-Signature is "sha256=<hex>" of
// HMAC-SHA256(secret, "<X-Infracast-Timestamp>.<raw body>"); a timestamp further from now than
// the tolerance is refused, so a captured delivery cannot be replayed later.

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

const (
	SignatureHeader         = "X-Infracast-Signature"
	TimestampHeader         = "X-Infracast-Timestamp"
	DefaultWebhookTolerance = 5 * time.Minute
)

// ComputeSignature is the signature the server sends for body at timestamp (Unix seconds).
func ComputeSignature(secret string, timestamp int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(timestamp, 10)))
	mac.Write([]byte("."))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// VerifySignature checks signature and timestamp headers over the raw body at time now; the
// error matches ErrInvalidSignature.
func VerifySignature(body []byte, signature, timestamp, secret string, tolerance time.Duration, now time.Time) error {
	if signature == "" || timestamp == "" {
		return &waitError{kind: ErrInvalidSignature, message: "missing signature or timestamp header"}
	}
	sentAt, err := strconv.ParseInt(strings.TrimSpace(timestamp), 10, 64)
	if err != nil {
		return &waitError{kind: ErrInvalidSignature, message: "timestamp is not a whole number"}
	}
	age := now.Sub(time.Unix(sentAt, 0))
	if age > tolerance || -age > tolerance {
		return &waitError{kind: ErrInvalidSignature, message: fmt.Sprintf("timestamp is %s away from now (tolerance %s)", age.Round(time.Second), tolerance)}
	}
	expected := ComputeSignature(secret, sentAt, body)
	if !hmac.Equal([]byte(expected), []byte(strings.TrimSpace(signature))) {
		return &waitError{kind: ErrInvalidSignature, message: "signature does not match the body"}
	}
	return nil
}

// VerifyWebhook checks a delivery's headers over its raw body (default tolerance when 0) and
// returns the parsed event.
func VerifyWebhook(body []byte, header http.Header, secret string, tolerance time.Duration) (*WebhookEvent, error) {
	if tolerance <= 0 {
		tolerance = DefaultWebhookTolerance
	}
	if err := VerifySignature(body, header.Get(SignatureHeader), header.Get(TimestampHeader), secret, tolerance, time.Now()); err != nil {
		return nil, err
	}
	var event WebhookEvent
	if err := json.Unmarshal(body, &event); err != nil {
		return nil, err
	}
	return &event, nil
}
