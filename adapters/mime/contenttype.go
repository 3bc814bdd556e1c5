package mime

import (
	"bytes"
	stdmime "mime"
	"path"
	"strings"
)

const octetStream = "application/octet-stream"

// builtinTypes maps the common extensions so that results do not depend on
// the machine's mime.types.
var builtinTypes = map[string]string{
	".7z":   "application/x-7z-compressed",
	".avif": "image/avif",
	".bmp":  "image/bmp",
	".css":  "text/css",
	".csv":  "text/csv",
	".doc":  "application/msword",
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".gif":  "image/gif",
	".gz":   "application/gzip",
	".heic": "image/heic",
	".htm":  "text/html",
	".html": "text/html",
	".ics":  "text/calendar",
	".jpeg": "image/jpeg",
	".jpg":  "image/jpeg",
	".js":   "text/javascript",
	".json": "application/json",
	".md":   "text/markdown",
	".mp3":  "audio/mpeg",
	".mp4":  "video/mp4",
	".odp":  "application/vnd.oasis.opendocument.presentation",
	".ods":  "application/vnd.oasis.opendocument.spreadsheet",
	".odt":  "application/vnd.oasis.opendocument.text",
	".pdf":  "application/pdf",
	".png":  "image/png",
	".ppt":  "application/vnd.ms-powerpoint",
	".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
	".rtf":  "application/rtf",
	".svg":  "image/svg+xml",
	".tar":  "application/x-tar",
	".tif":  "image/tiff",
	".tiff": "image/tiff",
	".txt":  "text/plain",
	".vcf":  "text/vcard",
	".wav":  "audio/wav",
	".webp": "image/webp",
	".xls":  "application/vnd.ms-excel",
	".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".xml":  "application/xml",
	".zip":  "application/zip",
}

// ContentTypeByFilename returns the media type for name's extension (case
// ignored): from a built-in table of common types first, then from the
// standard library's table (without its parameters: "text/x-csrc", not
// "text/x-csrc; charset=utf-8", since a file's charset is unknown), else
// "application/octet-stream". It never returns a message/ or multipart/
// type, since those cannot be base64 encoded.
func ContentTypeByFilename(name string) string {
	ext := strings.ToLower(path.Ext(name))
	if ext == "" {
		return octetStream
	}
	if t, ok := builtinTypes[ext]; ok {
		return t
	}
	t, _, err := stdmime.ParseMediaType(stdmime.TypeByExtension(ext))
	if err != nil || strings.HasPrefix(t, "message/") || strings.HasPrefix(t, "multipart/") {
		return octetStream
	}
	return t
}

// sniffImage returns the image type of data from its magic number, or
// "application/octet-stream".
func sniffImage(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png"
	case bytes.HasPrefix(data, []byte("\xff\xd8\xff")):
		return "image/jpeg"
	case bytes.HasPrefix(data, []byte("GIF87a")), bytes.HasPrefix(data, []byte("GIF89a")):
		return "image/gif"
	case len(data) >= 12 && bytes.HasPrefix(data, []byte("RIFF")) && string(data[8:12]) == "WEBP":
		return "image/webp"
	case bytes.HasPrefix(data, []byte("BM")):
		return "image/bmp"
	}
	return octetStream
}
