// Staff queue and ticket workspace: live updates over Server-Sent Events,
// presence, canned replies and keyboard shortcuts. Every page works without
// this file; it only keeps pages current and saves keystrokes.
"use strict";
(function () {
	var desk = document.querySelector("[data-desk]");
	var ws = document.querySelector("[data-ticket]");
	if (!desk && !ws) { return; }
	var statusEl = document.querySelector("[data-live-status]");
	var keys = {};

	function debounce(fn, ms) {
		var t = null;
		return function () { clearTimeout(t); t = setTimeout(fn, ms); };
	}
	function setLive(up, text) {
		if (!statusEl) { return; }
		statusEl.textContent = text;
		statusEl.classList.toggle("down", !up);
		document.body.classList.toggle("stream-down", !up);
	}
	function swap(el, url, after) {
		return fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin" }).then(function (res) {
			if (!res.ok) { throw new Error("status " + res.status); }
			return res.text();
		}).then(function (html) {
			el.innerHTML = html;
			if (after) { after(); }
		});
	}
	function post(url, data) {
		var body = new URLSearchParams(data);
		return fetch(url, { method: "POST", body: body, credentials: "same-origin" }).catch(function () {});
	}

	// The live stream: reconnects by itself (EventSource retries); after a
	// gap it re-reads everything, since events sent meanwhile are lost.
	var handlers = {};
	var wasDown = false;
	function connect() {
		var es = new EventSource("/desk/stream");
		es.addEventListener("hello", function () {
			setLive(true, "Live");
			if (wasDown && handlers.resync) { handlers.resync(); }
			wasDown = false;
		});
		es.addEventListener("ticket", function (e) { if (handlers.ticket) { handlers.ticket(e.data); } });
		es.addEventListener("presence", function (e) { if (handlers.presence) { handlers.presence(e.data); } });
		es.addEventListener("resync", function () { if (handlers.resync) { handlers.resync(); } });
		// The session ended (signed out elsewhere, expired, deactivated).
		es.addEventListener("signout", function () { es.close(); location.href = "/login"; });
		es.onerror = function () {
			wasDown = true;
			setLive(false, "Live updates interrupted – reconnecting…");
			if (es.readyState === EventSource.CLOSED) {
				setTimeout(connect, 3000);
			}
		};
	}

	// ---- Dashboard ----
	if (desk) {
		var list = document.getElementById("desk-list");
		var current = -1;
		var refreshList = debounce(function () {
			var checked = Array.prototype.map.call(list.querySelectorAll("input[name=n]:checked"), function (c) { return c.value; });
			var sel = rows()[current];
			var selNum = sel ? sel.getAttribute("data-number") : null;
			swap(list, "/desk/list" + location.search, function () {
				checked.forEach(function (n) {
					var c = list.querySelector('input[name=n][value="' + n + '"]');
					if (c) { c.checked = true; }
				});
				current = -1;
				rows().forEach(function (r, i) { if (r.getAttribute("data-number") === selNum) { mark(i); } });
			}).catch(function () {});
		}, 200);
		var refreshCounts = debounce(function () {
			var tabs = document.getElementById("desk-tabs");
			var view = new URLSearchParams(location.search).get("view") || "unassigned";
			fetch(desk.getAttribute("data-counts") + "?view=" + encodeURIComponent(view), { credentials: "same-origin" })
				.then(function (res) { return res.ok ? res.text() : Promise.reject(); })
				.then(function (html) { tabs.outerHTML = html; }).catch(function () {});
		}, 800);
		handlers.ticket = function () { refreshList(); refreshCounts(); };
		handlers.resync = handlers.ticket;
		refreshCounts();

		var rows = function () { return Array.prototype.slice.call(list.querySelectorAll("tr[data-number]")); };
		var mark = function (i) {
			var rs = rows();
			if (!rs.length) { return; }
			i = Math.max(0, Math.min(rs.length - 1, i));
			rs.forEach(function (r) { r.classList.remove("current"); });
			rs[i].classList.add("current");
			rs[i].scrollIntoView({ block: "nearest" });
			current = i;
		};
		keys.j = function () { mark(current + 1); };
		keys.k = function () { mark(current - 1); };
		keys.o = function () {
			var r = rows()[current];
			var a = r && r.querySelector("a.subject");
			if (a) { location.href = a.getAttribute("href"); }
		};
		keys.x = function () {
			var r = rows()[current];
			var c = r && r.querySelector("input[name=n]");
			if (c) { c.checked = !c.checked; }
		};
	}

	// ---- Ticket workspace ----
	if (ws) {
		var number = ws.getAttribute("data-ticket");
		var presenceURL = ws.getAttribute("data-presence");
		var timeline = document.getElementById("timeline");
		var presenceEl = document.getElementById("presence");
		handlers.ticket = function (n) {
			if (n === number) { swap(timeline, ws.getAttribute("data-timeline")).catch(function () {}); }
		};
		handlers.presence = function (n) {
			if (n === number) {
				fetch(presenceURL, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.text() : Promise.reject(); })
					.then(function (html) { presenceEl.outerHTML = html; presenceEl = document.getElementById("presence"); })
					.catch(function () {});
			}
		};
		handlers.resync = function () { handlers.ticket(number); handlers.presence(number); };

		var activity = "viewing";
		var idle = null;
		var announce = function () { post(presenceURL, { activity: activity }); };
		announce();
		setInterval(announce, 20000);
		document.querySelectorAll("[data-presence-typing]").forEach(function (ta) {
			ta.addEventListener("input", function () {
				clearTimeout(idle);
				idle = setTimeout(function () { activity = "viewing"; announce(); }, 15000);
				if (activity !== "replying") { activity = "replying"; announce(); }
			});
		});
		window.addEventListener("pagehide", function () {
			var fd = new FormData();
			fd.append("activity", "");
			navigator.sendBeacon(presenceURL, fd);
		});

		// Canned replies: choosing one fills the reply box at once.
		var canned = document.getElementById("canned");
		if (canned) {
			canned.form.addEventListener("submit", function (e) {
				var opt = canned.options[canned.selectedIndex];
				var ta = document.getElementById("reply-body");
				if (opt && ta) {
					e.preventDefault();
					ta.value = (ta.value ? ta.value + "\n\n" : "") + opt.getAttribute("data-body");
					ta.focus();
				}
			});
		}
		// Suggested articles: "Insert link" adds the article's link to the
		// reply in place.
		document.querySelectorAll("a.insert-link[data-insert]").forEach(function (a) {
			a.addEventListener("click", function (e) {
				var ta = document.getElementById("reply-body");
				if (!ta) { return; }
				e.preventDefault();
				ta.value = (ta.value ? ta.value + "\n\n" : "") + a.getAttribute("data-insert");
				ta.focus();
			});
		});
		keys.r = function () { focusQuiet(document.getElementById("reply-body"), "r"); };
		keys.n = function () { focusQuiet(document.getElementById("note-body"), "n"); };
		keys.a = function () {
			var f = document.getElementById("take-form");
			var b = f && f.querySelector("button");
			if (b && !b.disabled) { f.requestSubmit(); }
		};
	}

	// focusQuiet focuses a text box and swallows the shortcut's own
	// character if it arrives right after (some input paths deliver the
	// character separately from the keydown that was already handled).
	function focusQuiet(el, key) {
		if (!el) { return; }
		var until = Date.now() + 150;
		var swallow = function (e) {
			el.removeEventListener("keypress", swallow);
			if (Date.now() < until && e.key === key) { e.preventDefault(); }
		};
		el.addEventListener("keypress", swallow);
		el.focus();
	}

	// ---- Keyboard ----
	keys["?"] = function () {
		var d = document.getElementById("key-help");
		if (d && !d.open) { d.showModal(); }
	};
	document.addEventListener("keydown", function (e) {
		if (e.ctrlKey || e.metaKey || e.altKey) { return; }
		var t = e.target;
		if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) { return; }
		var fn = keys[e.key];
		// Run after the key's own events, so that focusing a text box
		// does not type the shortcut letter into it.
		if (fn) { e.preventDefault(); setTimeout(fn, 0); }
	});

	connect();
})();
