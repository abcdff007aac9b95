// Passkeys (WebAuthn): buttons with data-passkey="register", "login" or
// "second-factor" run one ceremony each against the JSON endpoints.
(() => {
  "use strict";
  if (!window.PublicKeyCredential || !navigator.credentials) return;

  const b64u = {
    decode(s) {
      s = s.replace(/-/g, "+").replace(/_/g, "/");
      const bin = atob(s + "===".slice((s.length + 3) % 4));
      return Uint8Array.from(bin, (c) => c.charCodeAt(0)).buffer;
    },
    encode(buf) {
      let bin = "";
      for (const b of new Uint8Array(buf)) bin += String.fromCharCode(b);
      return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    },
  };

  const endpoints = {
    register: ["/profile/security/passkeys/begin", "/profile/security/passkeys/finish"],
    login: ["/login/passkey/begin", "/login/passkey/finish"],
    "second-factor": ["/login/verify/passkey/begin", "/login/verify/passkey/finish"],
  };

  async function post(url, body, json) {
    const res = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": json ? "application/json" : "application/x-www-form-urlencoded" },
      body: json ? JSON.stringify(body) : new URLSearchParams(body),
    });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(data.error || "The server refused the passkey (" + res.status + ").");
    return data;
  }

  function creationOptions(o) {
    const pk = o.publicKey;
    pk.challenge = b64u.decode(pk.challenge);
    pk.user.id = b64u.decode(pk.user.id);
    (pk.excludeCredentials || []).forEach((c) => (c.id = b64u.decode(c.id)));
    return o;
  }

  function requestOptions(o) {
    const pk = o.publicKey;
    pk.challenge = b64u.decode(pk.challenge);
    (pk.allowCredentials || []).forEach((c) => (c.id = b64u.decode(c.id)));
    return o;
  }

  function credentialJSON(c) {
    const r = c.response;
    const out = { id: c.id, rawId: b64u.encode(c.rawId), type: c.type, response: { clientDataJSON: b64u.encode(r.clientDataJSON) } };
    if (r.attestationObject) {
      out.response.attestationObject = b64u.encode(r.attestationObject);
      if (r.getTransports) out.response.transports = r.getTransports();
    } else {
      out.response.authenticatorData = b64u.encode(r.authenticatorData);
      out.response.signature = b64u.encode(r.signature);
      if (r.userHandle) out.response.userHandle = b64u.encode(r.userHandle);
    }
    out.clientExtensionResults = c.getClientExtensionResults ? c.getClientExtensionResults() : {};
    return out;
  }

  async function run(kind) {
    const [begin, finish] = endpoints[kind];
    const form = {};
    if (kind === "register") form.name = (document.getElementById("passkey-name") || {}).value || "Passkey";
    const next = document.querySelector('input[name="next"]');
    if (kind === "login" && next) form.next = next.value;
    const opts = await post(begin, form, false);
    const cred = kind === "register"
      ? await navigator.credentials.create(creationOptions(opts))
      : await navigator.credentials.get(requestOptions(opts));
    const done = await post(finish, credentialJSON(cred), true);
    location.assign(done.redirect || "/");
  }

  for (const btn of document.querySelectorAll("[data-passkey]")) {
    btn.hidden = false;
    btn.addEventListener("click", async () => {
      const err = document.getElementById("passkey-error");
      if (err) err.textContent = "";
      btn.disabled = true;
      try {
        await run(btn.dataset.passkey);
      } catch (e) {
        if (err) err.textContent = e.name === "NotAllowedError" ? "The passkey was not used (cancelled or timed out)." : e.message;
      } finally {
        btn.disabled = false;
      }
    });
  }
})();
