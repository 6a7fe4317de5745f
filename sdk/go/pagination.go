package infracast

// Pages and iterators. An Iterator walks every page, by meta.next_cursor where the list offers
// keyset paging and by page number elsewhere, so callers never touch page or cursor:
//
//	it := client.Nodes.Iter(ctx, "my-tenant", &infracast.NodeFilter{Types: []string{"aws.ec2.instance"}})
//	for it.Next() { node := it.Item(); … }
//	if err := it.Err(); err != nil { … }

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
)

// Page is one page of a list with its metadata.
type Page[T any] struct {
	Items      []T
	Total      int64
	Page       int
	PerPage    int
	TotalPages int64
	// NextCursor is the keyset cursor of the next page ("" on the last page).
	NextCursor string
	Meta       map[string]interface{}
}

type listMeta struct {
	Total      int64   `json:"total"`
	Page       int     `json:"page"`
	PerPage    int     `json:"per_page"`
	TotalPages int64   `json:"total_pages"`
	NextCursor *string `json:"next_cursor"`
}

func getPage[T any](ctx context.Context, c *Client, path string, query url.Values) (*Page[T], error) {
	response, err := c.do(ctx, request{method: "GET", path: path, query: query})
	if err != nil {
		return nil, err
	}
	defer response.Body.Close()
	var answer struct {
		Data []T             `json:"data"`
		Meta json.RawMessage `json:"meta"`
	}
	if err := json.NewDecoder(response.Body).Decode(&answer); err != nil {
		return nil, err
	}
	var meta listMeta
	var raw map[string]interface{}
	if len(answer.Meta) > 0 {
		_ = json.Unmarshal(answer.Meta, &meta)
		_ = json.Unmarshal(answer.Meta, &raw)
	}
	page := &Page[T]{
		Items: answer.Data, Total: meta.Total, Page: meta.Page, PerPage: meta.PerPage,
		TotalPages: meta.TotalPages, Meta: raw,
	}
	if meta.NextCursor != nil {
		page.NextCursor = *meta.NextCursor
	}
	return page, nil
}

// Iterator walks every item of a list; call Next until it returns false, then check Err.
type Iterator[T any] struct {
	ctx      context.Context
	client   *Client
	path     string
	query    url.Values
	byCursor bool

	items      []T
	index      int
	pageNumber int
	current    T
	done       bool
	err        error
}

func newIterator[T any](ctx context.Context, c *Client, path string, query url.Values, byCursor bool) *Iterator[T] {
	copied := url.Values{}
	for key, values := range query {
		if key != "page" && key != "cursor" {
			copied[key] = values
		}
	}
	return &Iterator[T]{ctx: ctx, client: c, path: path, query: copied, byCursor: byCursor, index: -1}
}

// Next advances to the next item, fetching the next page when needed.
func (it *Iterator[T]) Next() bool {
	if it.err != nil {
		return false
	}
	for {
		if it.index+1 < len(it.items) {
			it.index++
			it.current = it.items[it.index]
			return true
		}
		if it.done {
			return false
		}
		page, err := getPage[T](it.ctx, it.client, it.path, it.query)
		if err != nil {
			it.err = err
			return false
		}
		it.pageNumber++
		it.items, it.index = page.Items, -1
		switch {
		case len(page.Items) == 0:
			it.done = true
		case it.byCursor:
			if page.NextCursor == "" {
				it.done = true
			} else {
				it.query.Set("cursor", page.NextCursor)
			}
		default:
			if int64(it.pageNumber) >= page.TotalPages {
				it.done = true
			} else {
				it.query.Set("page", strconv.Itoa(it.pageNumber+1))
			}
		}
	}
}

// Item is the current item (valid after Next returned true).
func (it *Iterator[T]) Item() T { return it.current }

// Err is the error that stopped the iteration, if any.
func (it *Iterator[T]) Err() error { return it.err }

// ListOptions are the paging parameters of a list call.
type ListOptions struct {
	Page    int
	PerPage int
	// Cursor is a previous page's NextCursor (lists with keyset paging).
	Cursor string
	// Sort is a field, `-` first for descending (lists that sort).
	Sort string
}

func (o *ListOptions) apply(query url.Values) {
	if o == nil {
		return
	}
	if o.Page > 0 {
		query.Set("page", strconv.Itoa(o.Page))
	}
	if o.PerPage > 0 {
		query.Set("per_page", strconv.Itoa(o.PerPage))
	}
	if o.Cursor != "" {
		query.Set("cursor", o.Cursor)
	}
	if o.Sort != "" {
		query.Set("sort", o.Sort)
	}
}
