package server_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"switchboard/internal/apptest"
	"switchboard/internal/helpdesk"
	"switchboard/internal/ticket"
)

// Executable markup, as a browser would parse the fragment that htmx swaps
// in. Pages are protected by a nonce CSP as well; fragments are checked
// without counting on it, because htmx builds new <script> elements for the
// ones it swaps in and attributes such as hx-on or hx-get make htmx itself
// run or fetch things.
var (
	// scriptElements run code, load documents or plugins, or change how the
	// page resolves URLs or is interpreted; none may come from user input.
	scriptElements = map[atom.Atom]bool{atom.Script: true, atom.Iframe: true, atom.Frame: true, atom.Frameset: true,
		atom.Object: true, atom.Embed: true, atom.Applet: true, atom.Base: true, atom.Meta: true, atom.Link: true,
		atom.Style: true, atom.Svg: true, atom.Math: true, atom.Template: true, atom.Noscript: true}
	// urlAttrs are the attributes a browser loads or navigates to.
	urlAttrs = map[string]bool{"href": true, "src": true, "action": true, "formaction": true, "xlink:href": true,
		"data": true, "poster": true, "background": true, "srcset": true, "ping": true, "cite": true, "longdesc": true,
		"usemap": true, "codebase": true, "manifest": true, "lowsrc": true, "dynsrc": true, "icon": true,
		"archive": true, "classid": true, "profile": true}
	safeSchemes = map[string]bool{"http": true, "https": true, "mailto": true, "tel": true}
	schemeRE    = regexp.MustCompile(`^([a-zA-Z][a-zA-Z0-9+.-]*):`)
	dataImageRE = regexp.MustCompile(`^data:image/(png|gif|jpeg|webp);`)
)

// executableMarkup parses an htmx fragment as the browser would inside a
// <div> and lists every element or attribute in it that could run script:
// script-like elements, on* handlers, inline styles, srcdoc, htmx
// attributes anywhere but the template's own top-level reply form, and URL
// attributes whose scheme is not http(s), mailto or tel (after the
// whitespace and control characters browsers ignore are taken out).
func executableMarkup(fragment string) []string {
	ctx := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	nodes, err := html.ParseFragment(strings.NewReader(fragment), ctx)
	if err != nil {
		return []string{"unparseable: " + err.Error()}
	}
	var bad []string
	var walk func(n *html.Node, top bool)
	walk = func(n *html.Node, top bool) {
		if n.Type == html.ElementNode {
			where := describeNode(n)
			if scriptElements[n.DataAtom] || n.Namespace != "" {
				bad = append(bad, "element "+where)
			}
			ownForm := top && n.DataAtom == atom.Form && attr(n, "id") == "reply-form"
			for _, a := range n.Attr {
				name := strings.ToLower(a.Key)
				if a.Namespace != "" {
					name = a.Namespace + ":" + name
				}
				switch {
				case strings.HasPrefix(name, "on"):
					bad = append(bad, "event handler "+name+" on "+where)
				case name == "style" || name == "srcdoc" || name == "http-equiv":
					bad = append(bad, name+" on "+where)
				case strings.HasPrefix(name, "hx-") || strings.HasPrefix(name, "data-hx-"):
					if !ownForm {
						bad = append(bad, "htmx attribute "+name+" on "+where)
					}
				case urlAttrs[name]:
					for _, u := range urlsOf(name, a.Val) {
						if !safeURL(u, n.DataAtom == atom.Img && name == "src") {
							bad = append(bad, fmt.Sprintf("%s=%q on %s", name, a.Val, where))
						}
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, false)
		}
	}
	for _, n := range nodes {
		walk(n, true)
	}
	return bad
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val
		}
	}
	return ""
}

// describeNode names an element and the message it sits in, if any.
func describeNode(n *html.Node) string {
	var b bytes.Buffer
	_ = html.Render(&b, &html.Node{Type: html.ElementNode, Data: n.Data, Attr: n.Attr, Namespace: n.Namespace})
	s := b.String()
	for p := n.Parent; p != nil; p = p.Parent {
		if id := attr(p, "id"); p.DataAtom == atom.Li && id != "" {
			s += " in #" + id
			break
		}
	}
	return s
}

// urlsOf splits srcset into its URLs; other attributes hold one.
func urlsOf(name, val string) []string {
	if name != "srcset" {
		return []string{val}
	}
	var out []string
	for _, c := range strings.Split(val, ",") {
		if f := strings.Fields(c); len(f) > 0 {
			out = append(out, f[0])
		}
	}
	return out
}

// safeURL reports whether u is relative or has a harmless scheme, as the
// URL parser sees it: leading and trailing C0 controls and spaces dropped,
// tabs and newlines anywhere removed. data: is allowed for an <img> only
// with a raster image type (the CSP allows img-src data:).
func safeURL(u string, img bool) bool {
	u = strings.TrimFunc(u, func(r rune) bool { return r <= 0x20 })
	u = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(u)
	m := schemeRE.FindStringSubmatch(u)
	if m == nil {
		return true // relative (a colon after /, ? or # starts no scheme)
	}
	scheme := strings.ToLower(m[1])
	if scheme == "data" {
		return img && dataImageRE.MatchString(strings.ToLower(u))
	}
	return safeSchemes[scheme]
}

// TestExecutableMarkupCheck keeps the checker honest: each snippet here
// would run script or make htmx act, and must be caught; plain sanitised
// output must not be.
func TestExecutableMarkupCheck(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{
		`<script>alert(1)</script>`,
		`<p>hi <img src=x onerror=alert(1)></p>`,
		`<a href=" JaVa&#x09;ScRiPt:alert(1)">x</a>`,
		`<a href="&#14;javascript:alert(1)">x</a>`,
		`<a href="vbscript:msgbox(1)">x</a>`,
		`<a href="data:text/html,<script>alert(1)</script>">x</a>`,
		`<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>`,
		`<svg><animate attributeName="href" values="javascript:alert(1)"/></svg>`,
		`<math><mtext><a xlink:href="javascript:alert(1)">x</a></mtext></math>`,
		`<div hx-get="/logout" hx-trigger="load">x</div>`,
		`<div data-hx-on:click="alert(1)">x</div>`,
		`<form action="javascript:alert(1)"><button>x</button></form>`,
		`<button formaction="javascript:alert(1)">x</button>`,
		`<img srcset="ok.png 1x, javascript:alert(1) 2x">`,
		`<p style="background:url(javascript:alert(1))">x</p>`,
		`<meta http-equiv="refresh" content="0;url=javascript:alert(1)">`,
		`<li id="message-1"><form id="reply-form" hx-post="/x"></form></li>`, // the template's form sits at the top only
	} {
		if len(executableMarkup(bad)) == 0 {
			t.Errorf("not caught: %s", bad)
		}
	}
	ok := `<li class="message" id="message-7"><div class="body"><p><strong>x</strong> &lt;script&gt;alert(1)&lt;/script&gt;
<a href="https://example.com/a?b=c:d" rel="nofollow">l</a> <a href="/tickets/1#m">r</a> <a href="mailto:a@b.c">m</a>
<img src="data:image/png;base64,iVBORw0KGgo=" alt=""></p></div></li>
<form id="reply-form" method="post" action="/tickets/7/reply" hx-post="/tickets/7/reply" hx-swap-oob="true"><textarea>&lt;img src=x onerror=alert(1)&gt;</textarea></form>`
	if got := executableMarkup(ok); len(got) > 0 {
		t.Errorf("harmless fragment flagged: %q", got)
	}
}

// formFilename encodes a file name for a multipart header as browsers do
// (HTML's form encoding: " CR LF become %22 %0D %0A). Other control
// characters are dropped: a browser sends them raw, and Go's MIME header
// reader then refuses the whole form, so the vector would never reach a
// template.
func formFilename(name string) string {
	name = strings.NewReplacer(`"`, "%22", "\r", "%0D", "\n", "%0A").Replace(name)
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' || r == 0x7f {
			return -1
		}
		return r
	}, name)
}

// htmxPost is an htmx request from a signed-in client. It returns errors
// instead of failing the test, so worker goroutines can use it.
func htmxPost(c *apptest.Client, base, path string, body io.Reader, contentType string) (int, http.Header, string, error) {
	req, err := http.NewRequest(http.MethodPost, base+path, body)
	if err != nil {
		return 0, nil, "", err
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("HX-Request", "true")
	req.Header.Set("Origin", base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := c.HTTP.Do(req)
	if err != nil {
		return 0, nil, "", err
	}
	defer func() { _ = res.Body.Close() }()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(b), err
}

// replyForm is a multipart reply with one attachment named like the vector.
func replyForm(body, filename string, data []byte) (*bytes.Buffer, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("body", body)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="attachments"; filename="`+formFilename(filename)+`"`)
	h.Set("Content-Type", "image/png")
	w, _ := mw.CreatePart(h)
	_, _ = w.Write(data)
	_ = mw.Close()
	return &buf, mw.FormDataContentType()
}

// TestFragmentXSS sends every vector of the shared XSS corpora through the
// HTML fragments htmx swaps into pages, and fails on any executable markup
// in them:
//   - POST /preview, the Markdown preview (as a requester on the new-ticket
//     form, and as an agent: staff use the same endpoint);
//   - POST /tickets/{n}/reply with HX-Request, the new message appended to
//     the conversation plus a fresh reply form, for requester and staff
//     authors, with the vector as the body and as an image attachment's
//     file name;
//   - the same post refused (ticket closed, file over the limit), which
//     returns the reply form with the body kept and the file name in the
//     error message;
//   - GET /desk/tickets/{n}/timeline, the live fragment of the staff
//     workspace, showing those replies.
func TestFragmentXSS(t *testing.T) {
	t.Parallel()
	vectors := xssVectors(t)
	// Positive control: unescaped and unsanitised, most vectors are caught.
	raw := 0
	for _, v := range vectors {
		if len(executableMarkup(v)) > 0 {
			raw++
		}
	}
	t.Logf("%d of %d vectors are executable markup as they stand", raw, len(vectors))
	if raw < len(vectors)/2 {
		t.Fatalf("only %d of %d raw vectors count as executable markup; the check could not fail", raw, len(vectors))
	}
	e := apptest.New(t, apptest.Options{Vars: map[string]string{"SWITCHBOARD_MAX_ATTACHMENT_MB": "1"}})
	ctx := context.Background()
	req := e.User(helpdesk.RoleRequester)
	agent := e.User(helpdesk.RoleAgent)
	rc, ac := e.SignIn(req), e.SignIn(agent)

	// Vectors go to the open tickets in chunks (one timeline each); one
	// closed ticket refuses every reply.
	const chunk = 25
	var open []*helpdesk.Ticket
	for i := 0; i < len(vectors); i += chunk {
		tk, err := e.App.Tickets.Create(ctx, req, ticket.CreateInput{Subject: fmt.Sprintf("vectors %d+", i), Description: "xss"})
		if err != nil {
			t.Fatal(err)
		}
		open = append(open, tk)
	}
	closed, err := e.App.Tickets.Create(ctx, req, ticket.CreateInput{Subject: "closed", Description: "xss"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.Tickets.SetStatus(ctx, agent, closed.Number, helpdesk.StatusClosed, "test"); err != nil {
		t.Fatal(err)
	}
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x03\x00\x08\xfc\x02\xfe\xa7\x9a\xa0\xa0\x00\x00\x00\x00IEND\xaeB`\x82")
	tooBig := bytes.Repeat([]byte("x"), 1<<20+1)

	start := time.Now()
	var (
		mu       sync.Mutex
		problems []string
		msgOf    = map[string]int{} // "message-ID" -> vector index
		sent     int
	)
	report := func(i int, what string, found ...string) {
		mu.Lock()
		defer mu.Unlock()
		problems = append(problems, fmt.Sprintf("vector %d %q via %s:\n    %s", i, vectors[i], what, strings.Join(found, "\n    ")))
	}
	msgID := regexp.MustCompile(`<li [^>]*id="message-(\d+)"`)
	one := func(i int) error {
		v := vectors[i]
		// The Markdown preview, for both roles.
		for who, c := range map[string]*apptest.Client{"requester": rc, "agent": ac} {
			status, _, body, err := htmxPost(c, e.URL, "/preview", strings.NewReader(url.Values{"description": {v}}.Encode()),
				"application/x-www-form-urlencoded")
			if err != nil {
				return fmt.Errorf("preview as %s: %w", who, err)
			} else if status != http.StatusOK {
				return fmt.Errorf("preview as %s: status %d", who, status)
			}
			if bad := executableMarkup(body); len(bad) > 0 {
				report(i, "POST /preview as "+who, bad...)
			}
		}
		// A reply appended by htmx, by the requester and by staff.
		tk := open[i/chunk]
		for who, c := range map[string]*apptest.Client{"requester": rc, "agent": ac} {
			form, ct := replyForm(v, v, png)
			path := fmt.Sprintf("/tickets/%d/reply", tk.Number)
			status, _, body, err := htmxPost(c, e.URL, path, form, ct)
			if err != nil {
				return fmt.Errorf("reply as %s: %w", who, err)
			} else if status != http.StatusOK {
				return fmt.Errorf("reply as %s: status %d\n%s", who, status, body)
			}
			m := msgID.FindStringSubmatch(body)
			if m == nil || !strings.Contains(body, `class="attachment"`) {
				return fmt.Errorf("reply as %s: no new message with its attachment in the fragment:\n%s", who, body)
			}
			mu.Lock()
			msgOf["m-"+m[1]], sent = i, sent+1
			mu.Unlock()
			if bad := executableMarkup(body); len(bad) > 0 {
				report(i, "htmx POST "+path+" as "+who, bad...)
			}
		}
		// Refused: the form comes back with the body and the file's name.
		form, ct := replyForm(v, v, tooBig)
		path := fmt.Sprintf("/tickets/%d/reply", closed.Number)
		status, hdr, body, err := htmxPost(rc, e.URL, path, form, ct)
		if err != nil {
			return fmt.Errorf("refused reply: %w", err)
		} else if status != http.StatusOK || hdr.Get("HX-Retarget") != "#reply-form" {
			return fmt.Errorf("refused reply: status %d, HX-Retarget %q\n%s", status, hdr.Get("HX-Retarget"), body)
		}
		if !strings.Contains(body, "larger than the limit") {
			return fmt.Errorf("refused reply: the file error is not shown:\n%s", body)
		}
		if bad := executableMarkup(body); len(bad) > 0 {
			report(i, "htmx POST "+path+" (422 form)", bad...)
		}
		return nil
	}
	var wg sync.WaitGroup
	jobs := make(chan int)
	errs := make(chan error, len(vectors))
	for range 6 {
		wg.Go(func() {
			for i := range jobs {
				if err := one(i); err != nil {
					errs <- fmt.Errorf("vector %d %q: %w", i, vectors[i], err)
				}
			}
		})
	}
	for i := range vectors {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	// The staff workspace's live timeline shows the same replies.
	for _, tk := range open {
		r := ac.Get(fmt.Sprintf("/desk/tickets/%d/timeline", tk.Number))
		if r.StatusCode != http.StatusOK {
			t.Fatalf("timeline of #%d: %d", tk.Number, r.StatusCode)
		}
		if n := strings.Count(r.Body, `class="message`); n < 2*chunk && tk != open[len(open)-1] {
			t.Fatalf("timeline of #%d shows %d messages", tk.Number, n)
		}
		for _, b := range executableMarkup(r.Body) {
			i := -1
			if m := regexp.MustCompile(`in #(m-\d+)$`).FindStringSubmatch(b); m != nil {
				if j, ok := msgOf[m[1]]; ok {
					i = j
				}
			}
			if i >= 0 {
				report(i, fmt.Sprintf("GET /desk/tickets/%d/timeline", tk.Number), b)
			} else {
				problems = append(problems, fmt.Sprintf("GET /desk/tickets/%d/timeline: %s", tk.Number, b))
			}
		}
	}
	if sent != 2*len(vectors) {
		t.Fatalf("%d replies appended, want %d", sent, 2*len(vectors))
	}
	t.Logf("%d vectors through 2 previews, 2 htmx replies, 1 refused reply and %d timelines in %v",
		len(vectors), len(open), time.Since(start).Round(time.Millisecond))
	if len(problems) > 0 {
		t.Fatalf("%d fragments with executable markup:\n%s", len(problems), strings.Join(problems, "\n"))
	}
}
