package mail

import (
	"regexp"
	"strings"
)

// Patterns for the lines that start quoted history, in the languages and clients seen
// in the reply-parsing corpora. Each is anchored to a whole line so a sentence that
// merely mentions "wrote" or "original message" stays visible.
var (
	// "On <date>, <name> wrote:" and its translations; Gmail may wrap it over 2-3 lines.
	onWroteStartRe = regexp.MustCompile(`(?i)^[\s-]*(in data|on|le|am|el|il|op|em|den|på|dne|w dniu|dnia|pe|в|στις|kun|dana|el día|le \d|\d{1,4}[./-]\d{1,2}[./-]\d{1,4})\b`)
	onWroteEndRe   = regexp.MustCompile(`(?i)(wrote|writes|a écrit|a ecrit|schrieb|schreef|escribió|escribio|ha scritto|scrisse|escreveu|skrev|napisał\(a\)|napisał|napsal|kirjoitti|написал|написала|írta|έγραψε|yazdı)(\s*:?|\s.{0,120}:|\s*-+)\s*$`)
	// Gmail in many locales: "<date>, <name> <address>:" on its own line.
	dateAddrHeaderRe = regexp.MustCompile(`^.{0,80}\d.{0,120}<[^<>\s]+@[^<>\s]+>\s*:\s*$`)
	// "-----Original Message-----" and translations, with any number of dashes.
	originalMsgRe = regexp.MustCompile(`(?i)^\s*[-_=]{2,}\s*(original message|ursprüngliche nachricht|urspr.ngliche nachricht|message d'origine|message original|oprindelig meddelelse|oprindelig besked|opprinnelig melding|alkuperäinen viesti|mensaje original|messaggio originale|oorspronkelijk bericht|mensagem original|ursprungligt meddelande|исходное сообщение|původní zpráva|wiadomość oryginalna|reply message|original)\s*[-_=]*\s*$`)
	// Outlook-style header block: "From:" followed within a few lines by "Sent:"/"Date:"
	// and "To:"/"Subject:" (each in several languages, optionally bold with *).
	blockFromRe    = regexp.MustCompile(`(?i)^\s*\*?(from|von|de|da|van|från|fra|od|lähettäjä|от|expéditeur|feladó)\s*\*?\s*:\s*\S`)
	blockDateRe    = regexp.MustCompile(`(?i)^\s*\*?(sent|date|gesendet|datum|envoyé le|envoyé|enviado|inviato|verzonden|skickat|sendt|wysłano|lähetetty|отправлено|data|fecha|dátum|sent at)\s*\*?\s*:`)
	blockSubjectRe = regexp.MustCompile(`(?i)^\s*\*?(to|an|à|a|para|aan|till|til|do|vastaanottaja|кому|subject|betreff|objet|asunto|oggetto|onderwerp|ämne|emne|temat|aihe|тема|assunto|sujet|copie à|cc)\s*\*?\s*:`)
	underscoreRe   = regexp.MustCompile(`^\s*_{10,}\s*$`)
	// Forwarded mail is content the sender wants us to read, so folding stops there.
	forwardRe = regexp.MustCompile(`(?i)^\s*(-{2,}\s*(forwarded message|weitergeleitete nachricht|message transféré|mensaje reenviado|messaggio inoltrato)\s*-*|begin forwarded message:|anfang der weitergeleiteten nachricht:)`)
	// Mobile-client footers, folded only when nothing but history follows them.
	sentFromRe = regexp.MustCompile(`(?i)^\s*(sent from (my )?\S|sent with \S|sent via \S|get outlook for|von meinem .{1,30} gesendet|envoyé de (mon )?\S|enviado desde (mi )?\S|enviado do meu|inviato da\S*|verzonden (vanaf|met)|sendt fra|skickat från|lähetetty)`)
)

// FoldQuoted splits a plain-text reply into the new text and the rest: quoted history
// (after "On … wrote:", "Am … schrieb", "-----Original Message-----", Outlook header
// blocks, or a trailing run of "> " lines) and the signature ("-- ", "Sent from my …").
// visible+quoted always holds every line of text, so nothing is lost: the UI shows
// quoted collapsed. A reply written below a single quote block is visible with the
// quote folded; inline answers between several quotes are kept visible with their
// quotes, because the quotes are what they answer. If folding would leave nothing
// visible, the whole text stays visible.
func FoldQuoted(text string) (visible, quoted string) {
	norm := strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
	lines := strings.Split(norm, "\n")
	// Matching runs on a copy with no-break spaces made plain (French clients write
	// "Objet\u00a0:"); the output keeps the original lines.
	ml := strings.Split(strings.ReplaceAll(norm, "\u00a0", " "), "\n")
	if start, end := bottomPost(ml); end > 0 {
		return strings.Trim(strings.Join(lines[end:], "\n"), " \t\n"), strings.Trim(strings.Join(lines[start:end], "\n"), "\n")
	}
	cut := findCut(ml)
	if cut < 0 {
		return strings.TrimRight(norm, " \t\n"), ""
	}
	visible = strings.TrimRight(strings.Join(lines[:cut], "\n"), " \t\n")
	if strings.TrimSpace(visible) == "" {
		return strings.TrimRight(norm, " \t\n"), ""
	}
	return visible, strings.Trim(strings.Join(lines[cut:], "\n"), "\n")
}

// bottomPost recognises a reply written below the quote: nothing but an "On … wrote:"
// header and one block of "> " lines first, then only new text. It returns the span
// of the history, or 0, 0.
func bottomPost(lines []string) (start, end int) {
	i := 0
	for i < len(lines) && strings.TrimSpace(lines[i]) == "" {
		i++
	}
	n := 0
	if i < len(lines) {
		n = onWroteLen(lines, i)
	}
	if n == 0 {
		return 0, 0
	}
	j := i + n
	quotes := 0
	for j < len(lines) && (isQuoteLine(lines[j]) || strings.TrimSpace(lines[j]) == "") {
		if isQuoteLine(lines[j]) {
			quotes++
		}
		j++
	}
	if quotes == 0 || j >= len(lines) {
		return 0, 0
	}
	for _, l := range lines[j:] {
		if isQuoteLine(l) {
			return 0, 0 // interleaved: answers between several quotes stay together
		}
	}
	return i, j
}

// findCut returns the index of the first line of history/signature, or -1.
func findCut(lines []string) int {
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if forwardRe.MatchString(line) {
			break
		}
		if isSigDelimiter(line) && hasContentBefore(lines, i) {
			return i
		}
		if originalMsgRe.MatchString(line) {
			return i
		}
		if n := onWroteLen(lines, i); n > 0 {
			// An inline answer follows the quote: keep the quote visible as context.
			if !hasUnquotedAfter(lines, i+n) {
				return i
			}
			i += n - 1
			continue
		}
		if isHeaderBlock(lines, i) {
			return backOverUnderscore(lines, i)
		}
		// A footer is short and not a sentence: "Sent from my desk, which is easier"
		// is content.
		if sentFromRe.MatchString(line) && len(strings.TrimSpace(line)) <= 60 && !strings.Contains(line, ", ") &&
			onlyHistoryAfter(lines, i+1) {
			return i
		}
	}
	return trailingQuoteStart(lines)
}

func isSigDelimiter(line string) bool {
	l := strings.TrimRight(line, "\r")
	return l == "-- " || l == "--"
}

func hasContentBefore(lines []string, i int) bool {
	for _, l := range lines[:i] {
		if strings.TrimSpace(l) != "" {
			return true
		}
	}
	return false
}

// onWroteLen returns how many lines (1-3) an "On … wrote:" header at i spans, or 0.
func onWroteLen(lines []string, i int) int {
	if len(lines[i]) < 300 && dateAddrHeaderRe.MatchString(lines[i]) {
		return 1
	}
	if !onWroteStartRe.MatchString(lines[i]) {
		return 0
	}
	joined := ""
	for n := 1; n <= 3 && i+n <= len(lines); n++ {
		l := strings.TrimSpace(lines[i+n-1])
		if n > 1 && (l == "" || strings.HasPrefix(l, ">")) {
			return 0
		}
		joined += " " + l
		if len(joined) > 400 {
			return 0
		}
		if onWroteEndRe.MatchString(joined) {
			return n
		}
	}
	return 0
}

func isQuoteLine(l string) bool { return strings.HasPrefix(strings.TrimLeft(l, " \t"), ">") }

// hasUnquotedAfter reports whether, after the "> " lines that follow a quote header,
// there is more new text (an interleaved or bottom-posted answer). A list footer
// or another history block after the quote is not new text.
func hasUnquotedAfter(lines []string, from int) bool {
	i, quotes := from, 0
	for i < len(lines) && (isQuoteLine(lines[i]) || strings.TrimSpace(lines[i]) == "") {
		if isQuoteLine(lines[i]) {
			quotes++
		}
		i++
	}
	// Without "> " lines the history itself is unquoted (Outlook, mobile clients).
	if quotes == 0 || i >= len(lines) || isSigDelimiter(lines[i]) {
		return false
	}
	return !onlyHistoryAfter(lines, i)
}

// findCutFrom is a bounded look-ahead: does a new history block start right at i?
func findCutFrom(lines []string, i int) int {
	if originalMsgRe.MatchString(lines[i]) || onWroteLen(lines, i) > 0 || isHeaderBlock(lines, i) {
		return i
	}
	return -1
}

// isHeaderBlock recognises an Outlook/Apple-style "From: / Sent: / To: / Subject:"
// block. Requiring two more header fields right below it is what keeps a sentence
// starting with "From:" in the body visible.
func isHeaderBlock(lines []string, i int) bool {
	if !blockFromRe.MatchString(lines[i]) {
		return false
	}
	fields := 0
	for j := i + 1; j < len(lines) && j <= i+6; j++ {
		l := lines[j]
		if strings.TrimSpace(l) == "" && j > i+1 {
			break
		}
		if blockDateRe.MatchString(l) || blockSubjectRe.MatchString(l) {
			fields++
		}
	}
	return fields >= 2
}

func backOverUnderscore(lines []string, i int) int {
	j := i - 1
	for j >= 0 && strings.TrimSpace(lines[j]) == "" {
		j--
	}
	if j >= 0 && underscoreRe.MatchString(lines[j]) {
		return j
	}
	return i
}

// onlyHistoryAfter reports whether lines from i on are blank, quoted, or start history.
func onlyHistoryAfter(lines []string, i int) bool {
	for ; i < len(lines); i++ {
		l := lines[i]
		switch {
		case strings.TrimSpace(l) == "", isQuoteLine(l):
		case findCutFrom(lines, i) == i, underscoreRe.MatchString(l):
			return true
		default:
			return false
		}
	}
	return true
}

// trailingQuoteStart returns the first line of a run of "> " (and blank) lines that
// reaches the end of the message, or -1.
func trailingQuoteStart(lines []string) int {
	end := len(lines)
	for end > 0 && strings.TrimSpace(lines[end-1]) == "" {
		end--
	}
	start := end
	for start > 0 && (isQuoteLine(lines[start-1]) || strings.TrimSpace(lines[start-1]) == "") {
		start--
	}
	if start == end {
		return -1
	}
	for start < end && strings.TrimSpace(lines[start]) == "" {
		start++
	}
	return start
}
