/* font_subset: a Pango font map in which a font family holds only the
 * characters one document uses, so that a PDF embeds a few kilobytes of
 * font instead of most of a CJK font (render/README.md, "Fonts").
 *
 * The family's regular and bold faces, as fontconfig finds them on the
 * system, are cut down with HarfBuzz's subsetter (hb-subset: outlines
 * without subroutines, metrics, layout tables and names kept) into files
 * of a temporary folder, and a fontconfig configuration of its own holds
 * those two and, for a character the family lacks, the system font that
 * fontconfig would fall back to (whole, as without this). Text laid out
 * in it measures and shapes as in the whole family: same advances, same
 * kerning and substitutions for the characters kept.
 *
 * Thread-safety: each font_subset is its own (configuration, font map,
 * files, named uniquely within the process); any thread may make one. */
#ifndef GPUMETER_FONT_SUBSET_H
#define GPUMETER_FONT_SUBSET_H

#include <hb.h>
#include <pango/pango.h>

struct font_subset;

/* family (a fontconfig family name) cut to the code points of chars. NULL,
 * after logging why, when it cannot be (the family is not installed, a
 * temporary file cannot be written, the subsetter refuses the face): the
 * caller then lays out with the system's fonts, whole. */
struct font_subset *font_subset_new(const char *family, const hb_set_t *chars);

/* The font map to lay out in; owned by fs. */
PangoFontMap *font_subset_map(const struct font_subset *fs);

/* Frees fs and removes its files. Cairo reads a font's file when a PDF
 * surface is finished, so call it after cairo_surface_finish. */
void font_subset_free(struct font_subset *fs);

#endif
