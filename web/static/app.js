// Switchboard's small enhancements. Every page works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
	// Forms with data-autosubmit send themselves when a select changes.
	document.querySelectorAll("form[data-autosubmit] select").forEach(function (el) {
		el.addEventListener("change", function () { el.form.requestSubmit(); });
	});
});
