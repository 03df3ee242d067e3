//go:build linux && cgo && !wayland

package kiosk

/*
#cgo LDFLAGS: -lX11
#include <stdlib.h>
#include <X11/Xlib.h>
#include <X11/Xutil.h>

static int tolerate(Display *d, XErrorEvent *e) { return 0; }

// shift is how far right a pixel's channel under mask is moved to read
// its top eight bits.
static int shift(unsigned long mask) {
	int s = 0;
	while (mask && !(mask & 1)) { mask >>= 1; s++; }
	int bits = 0;
	while (mask & 1) { mask >>= 1; bits++; }
	return s + bits - 8;
}

static unsigned char channel(unsigned long p, unsigned long mask, int s) {
	p &= mask;
	return s >= 0 ? p >> s : p << -s;
}

// grab copies what the X server shows of window w into out, RGBA rows of
// the window's width: the part of the window on the screen, the rest left
// transparent. It answers 0, or -1 when the window cannot be read.
static int grab(unsigned long w, int width, int height, unsigned char *out) {
	Display *d = XOpenDisplay(NULL);
	if (!d) return -1;
	XErrorHandler old = XSetErrorHandler(tolerate);
	int rc = -1;
	XWindowAttributes a;
	Window child;
	int rx, ry;
	if (XGetWindowAttributes(d, w, &a) && a.map_state == IsViewable &&
		XTranslateCoordinates(d, w, a.root, 0, 0, &rx, &ry, &child)) {
		int x0 = rx < 0 ? -rx : 0, y0 = ry < 0 ? -ry : 0;
		int x1 = a.width, y1 = a.height;
		if (x1 > width) x1 = width;
		if (y1 > height) y1 = height;
		if (x1 > WidthOfScreen(a.screen) - rx) x1 = WidthOfScreen(a.screen) - rx;
		if (y1 > HeightOfScreen(a.screen) - ry) y1 = HeightOfScreen(a.screen) - ry;
		XImage *img = x1 > x0 && y1 > y0 ? XGetImage(d, w, x0, y0, x1 - x0, y1 - y0, AllPlanes, ZPixmap) : NULL;
		if (img) {
			int rs = shift(img->red_mask), gs = shift(img->green_mask), bs = shift(img->blue_mask);
			for (int y = 0; y < y1 - y0; y++) {
				for (int x = 0; x < x1 - x0; x++) {
					unsigned long p = XGetPixel(img, x, y);
					unsigned char *o = out + 4 * ((y0 + y) * width + x0 + x);
					o[0] = channel(p, img->red_mask, rs);
					o[1] = channel(p, img->green_mask, gs);
					o[2] = channel(p, img->blue_mask, bs);
					o[3] = 255;
				}
			}
			XDestroyImage(img);
			rc = 0;
		}
	}
	XSync(d, False);
	XSetErrorHandler(old);
	XCloseDisplay(d);
	return rc;
}
*/
import "C"

import (
	"image"
	"unsafe"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver"
)

// screenGrab is what the X server shows of the window, size pixels (the
// part off the screen left transparent); nil when the window is no X11
// window or cannot be read. It runs on Fyne's goroutine.
func screenGrab(w fyne.Window, size image.Point) image.Image {
	nw, ok := w.(driver.NativeWindow)
	if !ok || size.X <= 0 || size.Y <= 0 {
		return nil
	}
	var id uintptr
	nw.RunNative(func(ctx any) {
		if x, ok := ctx.(driver.X11WindowContext); ok {
			id = x.WindowHandle
		}
	})
	if id == 0 {
		return nil
	}
	img := image.NewRGBA(image.Rectangle{Max: size})
	buf := C.calloc(C.size_t(len(img.Pix)), 1)
	defer C.free(buf)
	if C.grab(C.ulong(id), C.int(size.X), C.int(size.Y), (*C.uchar)(buf)) != 0 {
		return nil
	}
	copy(img.Pix, unsafe.Slice((*byte)(buf), len(img.Pix)))
	return img
}
