package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/integrations/smtp/domain"
)

// batchMaxLine bounds one JSON line (its inline bodies included).
const batchMaxLine = 64 << 20

// batchLine is one line of a batch file: an email described with the names
// of send's message flags.
type batchLine struct {
	From     string     `json:"from"`
	To       stringList `json:"to"`
	Cc       stringList `json:"cc"`
	Bcc      stringList `json:"bcc"`
	ReplyTo  string     `json:"reply-to"`
	Subject  string     `json:"subject"`
	Text     string     `json:"text"`
	TextFile string     `json:"text-file"`
	HTML     string     `json:"html"`
	HTMLFile string     `json:"html-file"`
	Attach   stringList `json:"attach"`
	Inline   stringList `json:"inline"`
	Header   stringList `json:"header"`
	EightBit *bool      `json:"8bit"`
}

// stringList is a JSON list of strings; a single string is a list of one.
type stringList []string

// UnmarshalJSON accepts "a", ["a", "b"] and null.
func (l *stringList) UnmarshalJSON(data []byte) error {
	var one string
	if err := json.Unmarshal(data, &one); err == nil {
		*l = stringList{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(data, &many); err != nil {
		return errors.New("want a string or a list of strings, got " + quote(string(data)))
	}
	*l = many
	return nil
}

// batchJob is one email of the batch, or the reason its line is unusable.
type batchJob struct {
	line  int
	email *domain.Email
	err   error // set when the line does not parse or does not build
}

// readBatch reads a JSON-lines batch from r: one email object a line,
// blank lines skipped. A line that does not parse or build becomes a job
// with err set; eightBit is the batch's --8bit, which a line's "8bit" must
// match. Only a failure to read r is returned as an error (a *domain.Error
// of KindInvalidInput).
func readBatch(r io.Reader, eightBit bool) ([]batchJob, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var jobs []batchJob
	for n := 1; ; n++ {
		data, tooLong, err := readLongLine(br, batchMaxLine)
		if len(bytes.TrimSpace(data)) > 0 || tooLong {
			job := batchJob{line: n}
			if tooLong {
				job.err = lineError("longer than " + strconv.Itoa(batchMaxLine>>20) + " MiB")
			} else {
				job.email, job.err = parseBatchLine(data, eightBit)
			}
			jobs = append(jobs, job)
		}
		if err == io.EOF {
			return jobs, nil
		}
		if err != nil {
			return nil, &domain.Error{Kind: domain.KindInvalidInput, Op: "read batch", Message: "cannot read line " + strconv.Itoa(n), Err: err}
		}
	}
}

// readLongLine returns the next line without its line end. A line longer
// than limit is read to its end and dropped (tooLong). At the end of the
// input err is io.EOF, possibly with a last unterminated line.
func readLongLine(br *bufio.Reader, limit int) (line []byte, tooLong bool, err error) {
	for {
		frag, err := br.ReadSlice('\n')
		if !tooLong {
			if len(line)+len(frag) > limit+2 { // +2: the CRLF
				tooLong, line = true, nil
			} else {
				line = append(line, frag...)
			}
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		line = bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
		return line, tooLong, err
	}
}

// parseBatchLine decodes one JSON object and builds its email. Problems are
// *domain.Error of a Message kind (exit 65).
func parseBatchLine(data []byte, eightBit bool) (*domain.Email, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var l batchLine
	if err := dec.Decode(&l); err != nil {
		return nil, lineError("not a JSON email object: " + strings.TrimPrefix(err.Error(), "json: "))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, lineError("text after the JSON object")
	}
	if l.EightBit != nil && *l.EightBit != eightBit {
		return nil, lineError(`"8bit" is ` + strconv.FormatBool(*l.EightBit) + " but --8bit is " + strconv.FormatBool(eightBit) +
			": 8BITMIME use is one setting for the whole batch")
	}
	m := messageFlags{
		from: l.From, replyTo: l.ReplyTo, subject: l.Subject,
		text: l.Text, textFile: l.TextFile, html: l.HTML, htmlFil: l.HTMLFile,
		to: listFlag(l.To), cc: listFlag(l.Cc), bcc: listFlag(l.Bcc),
		attach: listFlag(l.Attach), inline: listFlag(l.Inline), headers: listFlag(l.Header),
	}
	if err := m.checkUsage(); err != nil {
		// Flag names read as field names here: "--text-file" is "text-file".
		return nil, lineError(strings.ReplaceAll(err.Error(), "--", ""))
	}
	return m.build()
}

func lineError(msg string) error { return domain.NewError(domain.KindInvalidInput, "batch line", msg) }
