/* font_subset: a font family cut to one document's characters (font_subset.h).
 *
 * Why not leave subsetting to Cairo: Cairo 1.16 (Debian 12's) does subset
 * a CFF font such as Noto Sans CJK, but keeps an entry for every one of
 * the font's subroutines (unused ones as a one-byte "return"): some 55 KB
 * compressed per face for one glyph. And when its walk of the charstrings
 * goes wrong it embeds every subroutine ("If parsing the charstrings fails
 * we embed all the subroutines", src/cairo-cff-subset.c): it does not walk
 * a subroutine again that an earlier glyph used, so the stem hints declared
 * in one are not counted for the next glyph, whose hintmask is then read
 * with the wrong length; "I", "L" and "额" together are enough, and a
 * one-page credit note weighed 976 KB. Here the face Cairo sees holds only
 * the glyphs used and no subroutine at all (HB_SUBSET_FLAGS_DESUBROUTINIZE),
 * so there is nothing for that walk to get wrong, and the PDF gets a few
 * kilobytes of font per face. */
#include "render/font_subset.h"

#include "core/log.h"

#include <fontconfig/fontconfig.h>
#include <glib/gstdio.h>
#include <hb-subset.h>
#include <pango/pangocairo.h>
#include <pango/pangofc-fontmap.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_FILES 8 /* the two faces cut, and the fallbacks added whole */

struct font_subset {
    PangoFontMap *map;
    char *dir;
    char *cut[2]; /* the files written, removed by font_subset_free */
};

/* A name no other font file of this process has had: Cairo keeps a font
 * it has loaded by its file's path, so a path used again would draw the
 * glyphs of an earlier document's subset. */
static atomic_ulong files_made;

/* The file and face index fontconfig picks for pat (after the system
 * configuration's substitutions). False when it names no file. */
static bool match_file(FcPattern *pat, char *file, size_t size, int *index)
{
    FcConfigSubstitute(NULL, pat, FcMatchPattern);
    FcDefaultSubstitute(pat);
    FcResult r;
    FcPattern *m = FcFontMatch(NULL, pat, &r);
    FcChar8 *f = NULL;
    bool ok = m && FcPatternGetString(m, FC_FILE, 0, &f) == FcResultMatch &&
              FcPatternGetInteger(m, FC_INDEX, 0, index) == FcResultMatch &&
              (size_t)snprintf(file, size, "%s", (const char *)f) < size;
    if (m) FcPatternDestroy(m);
    return ok;
}

/* family's face of that weight, as fontconfig finds it: false when the
 * family itself is not installed (fontconfig would give another). */
static bool family_face(const char *family, int weight, char *file, size_t size, int *index)
{
    FcPattern *pat = FcPatternCreate();
    FcPatternAddString(pat, FC_FAMILY, (const FcChar8 *)family);
    FcPatternAddInteger(pat, FC_WEIGHT, weight);
    bool ok = match_file(pat, file, size, index);
    FcPatternDestroy(pat);
    if (!ok) return false;
    /* the face's own family, not a substitute's */
    FcPattern *q = FcFreeTypeQuery((const FcChar8 *)file, (unsigned)*index, NULL, NULL);
    bool same = false;
    FcChar8 *name;
    for (int i = 0; q && FcPatternGetString(q, FC_FAMILY, i, &name) == FcResultMatch; i++)
        if (strcmp((const char *)name, family) == 0) same = true;
    if (q) FcPatternDestroy(q);
    /* a named instance of a variable font (index above 0xFFFF) would need
     * instancing first: not cut */
    return same && *index >= 0 && *index <= 0xFFFF;
}

/* Writes the face (file, index) cut to chars, without subroutines, to
 * path; adds the code points it holds to covered. */
static bool cut_face(const char *file, int index, const hb_set_t *chars, const char *path,
                     hb_set_t *covered)
{
    hb_blob_t *blob = hb_blob_create_from_file_or_fail(file);
    if (!blob) return false;
    hb_face_t *face = hb_face_create(blob, (unsigned)index);
    hb_blob_destroy(blob);
    hb_subset_input_t *in = hb_subset_input_create_or_fail();
    hb_face_t *cut = NULL;
    if (in) {
        hb_set_union(hb_subset_input_unicode_set(in), chars);
        /* every name, so fontconfig reads the same family and style */
        hb_set_add_range(hb_subset_input_set(in, HB_SUBSET_SETS_NAME_ID), 0, 0x7FFF);
        hb_subset_input_set_flags(in, HB_SUBSET_FLAGS_DESUBROUTINIZE);
        cut = hb_subset_or_fail(face, in);
        hb_subset_input_destroy(in);
    }
    hb_face_destroy(face);
    if (!cut) return false;
    hb_blob_t *out = hb_face_reference_blob(cut);
    unsigned len;
    const char *data = hb_blob_get_data(out, &len);
    bool ok = len > 0 && g_file_set_contents(path, data, len, NULL);
    if (ok) hb_face_collect_unicodes(cut, covered);
    hb_blob_destroy(out);
    hb_face_destroy(cut);
    return ok;
}

/* The system's fallback for cp, as Pango would find it (fontconfig's
 * sorted list for the family: the first font holding cp), added whole to
 * cfg unless already there; never the family's own files (the whole
 * family beside its cut would be two faces of one name). */
static void add_fallback(FcConfig *cfg, const char *family, FcChar32 cp, char added[][4096],
                         int *nadded, FcCharSet *fallen)
{
    if (FcCharSetHasChar(fallen, cp) || *nadded >= MAX_FILES) return;
    FcPattern *pat = FcPatternCreate();
    FcPatternAddString(pat, FC_FAMILY, (const FcChar8 *)family);
    FcConfigSubstitute(NULL, pat, FcMatchPattern);
    FcDefaultSubstitute(pat);
    FcResult r;
    FcFontSet *set = FcFontSort(NULL, pat, FcFalse, NULL, &r);
    for (int i = 0; set && i < set->nfont; i++) {
        FcCharSet *cs;
        FcChar8 *file;
        if (FcPatternGetCharSet(set->fonts[i], FC_CHARSET, 0, &cs) != FcResultMatch ||
            !FcCharSetHasChar(cs, cp) ||
            FcPatternGetString(set->fonts[i], FC_FILE, 0, &file) != FcResultMatch)
            continue;
        bool have = false;
        for (int k = 0; k < *nadded; k++) have = have || strcmp(added[k], (const char *)file) == 0;
        if (!have) {
            snprintf(added[*nadded], sizeof added[0], "%s", (const char *)file);
            (*nadded)++;
            FcConfigAppFontAddFile(cfg, file);
        }
        FcCharSetMerge(fallen, cs, NULL);
        break;
    }
    if (set) FcFontSetDestroy(set);
    FcPatternDestroy(pat);
}

struct font_subset *font_subset_new(const char *family, const hb_set_t *chars)
{
    static const int weights[2] = {FC_WEIGHT_REGULAR, FC_WEIGHT_BOLD};
    char files[2][4096];
    int index[2];
    for (int w = 0; w < 2; w++)
        if (!family_face(family, weights[w], files[w], sizeof files[0], &index[w])) {
            log_warn("font %s is not installed: its whole faces are embedded", family);
            return NULL;
        }
    struct font_subset *fs = calloc(1, sizeof *fs);
    if (!fs) return NULL;
    fs->dir = g_dir_make_tmp("gpumeter-fonts-XXXXXX", NULL);
    FcConfig *cfg = fs->dir ? FcConfigCreate() : NULL;
    hb_set_t *covered = hb_set_create();
    bool ok = cfg != NULL;
    unsigned long n = atomic_fetch_add(&files_made, 1);
    /* the same face twice (no bold installed: fontconfig gave the regular
     * one, which Pango emboldens as it would the system's) is cut once */
    int faces = strcmp(files[0], files[1]) == 0 && index[0] == index[1] ? 1 : 2;
    for (int w = 0; ok && w < faces; w++) {
        fs->cut[w] = g_strdup_printf("%s/%ld-%lu-%d.otf", fs->dir, (long)getpid(), n, w);
        ok = cut_face(files[w], index[w], chars, fs->cut[w], covered) &&
             FcConfigAppFontAddFile(cfg, (const FcChar8 *)fs->cut[w]);
    }
    if (ok) {
        /* what the family lacks (U+FFFD, a rare ideograph) from where the
         * system would take it */
        char added[MAX_FILES][4096];
        int nadded = 0;
        FcCharSet *fallen = FcCharSetCreate();
        for (hb_codepoint_t cp = HB_SET_VALUE_INVALID; hb_set_next(chars, &cp);)
            if (cp >= 0x20 && !hb_set_has(covered, cp))
                add_fallback(cfg, family, cp, added, &nadded, fallen);
        FcCharSetDestroy(fallen);
        fs->map = pango_cairo_font_map_new_for_font_type(CAIRO_FONT_TYPE_FT);
        ok = fs->map != NULL;
        if (ok) pango_fc_font_map_set_config(PANGO_FC_FONT_MAP(fs->map), cfg);
    }
    hb_set_destroy(covered);
    if (cfg) FcConfigDestroy(cfg); /* the font map holds its own reference */
    if (!ok) {
        log_warn("cannot cut font %s to the document's characters (in %s): its whole faces are "
                 "embedded",
                 family, fs->dir ? fs->dir : "no temporary folder");
        font_subset_free(fs);
        return NULL;
    }
    return fs;
}

PangoFontMap *font_subset_map(const struct font_subset *fs)
{
    return fs->map;
}

void font_subset_free(struct font_subset *fs)
{
    if (!fs) return;
    if (fs->map) g_object_unref(fs->map);
    for (int w = 0; w < 2; w++)
        if (fs->cut[w]) {
            g_unlink(fs->cut[w]);
            g_free(fs->cut[w]);
        }
    if (fs->dir) {
        g_rmdir(fs->dir);
        g_free(fs->dir);
    }
    free(fs);
}
