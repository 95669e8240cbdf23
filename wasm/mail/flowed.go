package mail

import "strings"

// decodeFlowed joins the soft line breaks of a format=flowed text (RFC 3676 §4): a line that
// ends with a space continues on the next one, unless it is the signature separator "-- ".
// Quote depth (leading '>') must match for lines to join; space-stuffing is removed.
func decodeFlowed(s string, delSp bool) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	var out strings.Builder
	var para strings.Builder
	paraDepth := -1
	flush := func() {
		if paraDepth < 0 {
			return
		}
		if paraDepth > 0 {
			out.WriteString(strings.Repeat(">", paraDepth) + " ")
		}
		out.WriteString(para.String())
		out.WriteString("\n")
		para.Reset()
		paraDepth = -1
	}
	for _, line := range lines {
		depth := 0
		for depth < len(line) && line[depth] == '>' {
			depth++
		}
		content := line[depth:]
		content = strings.TrimPrefix(content, " ") // space-stuffing
		if paraDepth >= 0 && depth != paraDepth {
			flush()
		}
		soft := strings.HasSuffix(content, " ") && content != "-- "
		if soft && delSp {
			content = strings.TrimSuffix(content, " ")
		}
		paraDepth = depth
		para.WriteString(content)
		if !soft {
			flush()
		}
	}
	flush()
	return strings.TrimSuffix(out.String(), "\n")
}
