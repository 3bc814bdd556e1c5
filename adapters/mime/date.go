package mime

import "time"

// dateLayout is the RFC 5322 section 3.3 date-time.
const dateLayout = "Mon, 02 Jan 2006 15:04:05 -0700"

// FormatDate returns t as an RFC 5322 date-time, such as
// "Tue, 03 Mar 2026 14:05:09 +0100", in t's location.
func FormatDate(t time.Time) string { return string(appendDate(nil, t)) }

// appendDate appends t as FormatDate has it: what t.AppendFormat with
// dateLayout gives, without parsing the layout each time. Years outside
// 0-9999 (which time formats with a sign or more digits) go through
// AppendFormat, and so do offsets of 100 hours or more.
func appendDate(dst []byte, t time.Time) []byte {
	_, offset := t.Zone()
	// As time does for -0700: whole minutes, truncated toward zero.
	zone := offset / 60
	sign := byte('+')
	if zone < 0 {
		sign, zone = '-', -zone
	}
	h, m := zone/60, zone%60
	year, month, day := t.Date()
	if year < 0 || year > 9999 || h > 99 {
		return t.AppendFormat(dst, dateLayout)
	}
	hour, minute, sec := t.Clock()
	dst = append(dst, t.Weekday().String()[:3]...)
	dst = append(dst, ',', ' ', '0'+byte(day/10), '0'+byte(day%10), ' ')
	dst = append(dst, month.String()[:3]...)
	dst = append(dst, ' ', '0'+byte(year/1000), '0'+byte(year/100%10), '0'+byte(year/10%10), '0'+byte(year%10), ' ')
	dst = append(dst, '0'+byte(hour/10), '0'+byte(hour%10), ':', '0'+byte(minute/10), '0'+byte(minute%10), ':',
		'0'+byte(sec/10), '0'+byte(sec%10), ' ')
	return append(dst, sign, '0'+byte(h/10), '0'+byte(h%10), '0'+byte(m/10), '0'+byte(m%10))
}
