package api_test

import (
	"net/http"
	"reflect"
	"testing"
)

// TestPostedMessageIsTheStoredOne: the answer to a POST of a message (built
// from the write itself, not read back) is exactly what listing the
// conversation later shows for it: id, time, author, attachments.
func TestPostedMessageIsTheStoredOne(t *testing.T) {
	t.Parallel()
	b := setup(t)
	path := b.req.create("Badge reader").path()
	posted := []reply{
		b.agent.must(http.StatusCreated, "POST", path+"/messages", map[string]any{"body": "Which door?"}),
		b.req.upload(path+"/attachments", map[string]string{"body": "This one"},
			map[string][]byte{"door.png": []byte("\x89PNG\r\n\x1a\n...."), "notes.txt": []byte("level 2")}),
	}
	var conv struct{ Messages []map[string]any }
	b.agent.must(http.StatusOK, "GET", path+"/messages", nil).decode(t, &conv)
	if len(conv.Messages) != 3 {
		t.Fatalf("messages = %d, want 3", len(conv.Messages))
	}
	for i, r := range posted {
		if r.status != http.StatusCreated {
			t.Fatalf("post %d: %d %s", i, r.status, r.body)
		}
		var got map[string]any
		r.decode(t, &got)
		if want := conv.Messages[i+1]; !reflect.DeepEqual(got, want) {
			t.Errorf("POST answered\n%v\nthe conversation lists\n%v", got, want)
		}
	}
	if atts, _ := conv.Messages[2]["attachments"].([]any); len(atts) != 2 {
		t.Errorf("attachments listed = %v, want 2", conv.Messages[2]["attachments"])
	}
}
