package mail

import (
	"strings"
	"testing"
)

// hostile is markup that must never keep script, handlers, javascript: URLs or remote loads.
var hostile = []string{
	`<script>alert(1)</script>`,
	`<img src=x onerror=alert(1)>`,
	`<a href="javascript:alert(1)">x</a>`,
	`<a href="JaVaScRiPt:alert(1)">x</a>`,
	`<a href="jav&#x09;ascript:alert(1)">x</a>`,
	`<svg><script>alert(1)</script></svg>`,
	`<svg onload=alert(1)>`,
	`<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`,
	`<iframe src="https://evil.example/"></iframe>`,
	`<object data="https://evil.example/x.swf"></object>`,
	`<embed src="https://evil.example/x.swf">`,
	`<form action="https://evil.example/"><input name=p></form>`,
	`<body onload=alert(1)>`,
	`<div style="background:url(https://evil.example/t.gif)">x</div>`,
	`<div style="background-image: url('https://evil.example/t.gif')">x</div>`,
	`<p style="behavior:url(x.htc)">x</p>`,
	`<link rel=stylesheet href="https://evil.example/s.css">`,
	`<style>@import url(https://evil.example/s.css); body{background:url(https://evil.example/b.gif)}</style>`,
	`<meta http-equiv="refresh" content="0;url=https://evil.example/">`,
	`<base href="https://evil.example/">`,
	`<img src="https://evil.example/pixel.gif" width=1 height=1>`,
	`<img srcset="https://evil.example/a.png 1x, https://evil.example/b.png 2x">`,
	`<table background="https://evil.example/bg.png"><tr><td>x</td></tr></table>`,
	`<video poster="https://evil.example/p.png"></video>`,
	`<audio src="https://evil.example/a.mp3"></audio>`,
	`<img src="//evil.example/protocol-relative.png">`,
	`<a href="data:text/html,<script>alert(1)</script>">x</a>`,
	`<div onclick="alert(1)" onmouseover="alert(2)">x</div>`,
	`<img src=x:alert(alt) onerror=eval(src) alt=0>`,
	`<noscript><p title="</noscript><img src=x onerror=alert(1)>">`,
	`<template><script>alert(1)</script></template>`,
	`<object type="text/x-scriptlet" data="https://evil.example/"></object>`,
	`<input autofocus onfocus=alert(1)>`,
	`<details open ontoggle=alert(1)>`,
	`<img src="https://evil.example/x.png" style="display:none">`,
}

func TestHostileHTMLIsDefused(t *testing.T) {
	for _, in := range hostile {
		out, _ := SanitizeHTML(in)
		if r := unsafeReason(out); r != "" {
			t.Errorf("%q → %q: %s", in, out, r)
		}
		low := strings.ToLower(out)
		for _, bad := range []string{"<script", "javascript:", "onerror", "onload", "onclick", "onmouseover", "onfocus", "ontoggle",
			"<iframe", "<object", "<embed", "<form", "<style", "<link", "<meta", "<base", "url(", "data:text/html"} {
			if strings.Contains(low, bad) {
				t.Errorf("%q → %q keeps %q", in, out, bad)
			}
		}
		// No attribute may load anything remote by itself.
		for _, attr := range []string{` src="http`, ` src="//`, ` srcset="`, ` background="`, ` poster="`} {
			if strings.Contains(low, attr) {
				t.Errorf("%q → %q keeps a remote load (%s)", in, out, attr)
			}
		}
	}
}

func TestRemoteContentHeldBackAndTrackersCounted(t *testing.T) {
	in := `<p>Hello <b>there</b></p>
<img src="https://news.example.com/hero.jpg" width="600" height="300" alt="hero">
<img src="https://news.example.list-manage.com/track/open.php?u=1&id=2" width="1" height="1">
<img src="https://cdn.example.net/a.gif" style="width:1px;height:1px">
<img src="cid:logo@example">
<img src="data:image/png;base64,iVBORw0KGgo=">
<a href="https://example.com/read">read</a>`
	out, rep := SanitizeHTML(in)
	if rep.RemoteBlocked != 3 || rep.Trackers != 2 {
		t.Fatalf("report %+v\n%s", rep, out)
	}
	for _, want := range []string{`data-remote-src="https://news.example.com/hero.jpg"`, `data-cid="logo@example"`, `src="data:image/png;base64,`, `rel="nofollow noreferrer noopener"`, `target="_blank"`, `<b>there</b>`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}
	if len(rep.TrackerHosts) != 2 {
		t.Errorf("tracker hosts %v", rep.TrackerHosts)
	}
}
