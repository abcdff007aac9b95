package phishing

// Test helpers shared with the end-to-end tests (package phishing_test).
var (
	MailOf              = mailOf
	Multipart           = multipart
	ForwardAsAttachment = forwardAsAttachment
	ForwardInline       = forwardInline
	OOXML               = ooxml
)
