/* lsan: leaks LeakSanitizer must not report, built into sanitized binaries.
 *
 * fontconfig keeps its configuration and font caches for the life of the
 * process, and cairo a per-process buffer, by design (reached by Pango
 * when a PDF is drawn); freeing them needs FcFini() and
 * cairo_debug_reset_static_data(), neither safe while other threads may
 * draw. Only these two libraries' own allocations are suppressed: a leak
 * of gpumeter's, or of an object it forgot to destroy, is still one. */
#ifdef __SANITIZE_ADDRESS__
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libfontconfig.so.1\nleak:libcairo.so.2\n";
}
#endif

#ifdef __SANITIZE_ADDRESS__
/* Quiet about the suppressions above: a report is still printed. */
const char *__lsan_default_options(void);
const char *__lsan_default_options(void)
{
    return "print_suppressions=0";
}
#endif
