/*
 * transcript_html.c - `kssim run --format html`: one self-contained HTML page for the whole run (inline CSS,
 * inline SVG and one small inline script; nothing fetched), with a timeline per scenario run, the steps as a
 * table, and with --matrix the version matrix (run_matrix.c).
 *
 * The timeline's horizontal axis is the device's boot clock. Boots are laid end to end: a reboot is a
 * vertical line where the next boot's clock starts again at 0. Three lanes: events (credential changes,
 * enrollments, lock), tokens (an issue mark and, when the scenario has timeout-bound keys, a bar for the
 * window those keys would accept the token in) and steps (every other step, a mark coloured by result).
 * Where kssim observed a key invalidated, a vertical line. Steps at the same instant stack in their lane.
 * Everything written from the scenario (names, aliases, data) is HTML-escaped.
 */
#include <stdlib.h>
#include <string.h>

#include "runner/run_matrix.h"
#include "runner/transcript.h"

/* Geometry of a timeline, in SVG user units. */
#define TIMELINE_LEFT       90.0
#define TIMELINE_WIDTH      960.0
#define TIMELINE_MARK_SPACE 14.0 /* marks closer than this in a lane go on separate rows */
#define TIMELINE_ROW_HEIGHT 24.0
#define TIMELINE_ROWS_MAX   64

typedef enum step_lane {
    LANE_NONE, /* advance, set_wall_clock: the clock itself shows them */
    LANE_EVENTS,
    LANE_TOKENS,
    LANE_STEPS,
} step_lane;

static bool action_is(const recorded_step *step, const char *const *names)
{
    for (size_t i = 0; names[i] != NULL; i++)
        if (strcmp(step->action, names[i]) == 0)
            return true;
    return false;
}

static const char *const event_actions[] = {
    "set_credential",
    "change_credential",
    "reset_credential",
    "remove_credential",
    "enroll_biometric",
    "remove_biometric",
    "lock",
    "reboot",
    "snapshot",
    "restore_snapshot",
    NULL,
};
/* Steps that hand the device an auth token when they succeed. */
static const char *const token_actions[] = {
    "verify_credential", "unlock", "authenticate_biometric", "prompt", "replay_token", "forge_token", NULL,
};
static const char *const clock_actions[] = {"advance", "set_wall_clock", NULL};

static step_lane lane_of(const recorded_step *step)
{
    if (action_is(step, clock_actions))
        return LANE_NONE;
    if (action_is(step, event_actions))
        return LANE_EVENTS;
    if (action_is(step, token_actions) && step->result == 0)
        return LANE_TOKENS;
    return LANE_STEPS;
}

/* The auth timeout (user_auth={timeout=N,...}, seconds) of a generate_key step that succeeded; 0 otherwise. */
static uint64_t generated_timeout_ms(const recorded_step *step)
{
    if (strcmp(step->action, "generate_key") != 0 && strcmp(step->action, "import_key") != 0)
        return 0;
    if (step->result != 0 || step->arguments == NULL)
        return 0;
    const char *timeout = strstr(step->arguments, "timeout=");
    if (timeout == NULL)
        return 0;
    return strtoull(timeout + strlen("timeout="), NULL, 10) * 1000u;
}

static bool observed_invalidated(const recorded_step *step)
{
    return step->outcome != NULL &&
           (strncmp(step->outcome, "invalidated", strlen("invalidated")) == 0 ||
            strncmp(step->outcome, "KEY_PERMANENTLY_INVALIDATED", strlen("KEY_PERMANENTLY_INVALIDATED")) == 0);
}

/* Where each step sits: its time on the boots laid end to end, and its place in its lane. */
typedef struct step_place {
    uint64_t at;         /* ms since the first boot's clock 0, boots end to end */
    uint64_t window_end; /* tokens: the end of the bar (== at: no bar) */
    size_t boot;         /* 0 for the first boot */
    double x;
    size_t row;
} step_place;

/* The horizontal axis: steps run left to right in their order, each a fixed gap after the one before, plus
 * the boot-clock time between them at a fixed scale. So steps at the same instant stand side by side, and a
 * wait (advance) is a long stretch. */
typedef struct timeline_layout {
    const recorded_run *run;
    step_place *places;
    uint64_t *boot_starts; /* where each boot after the first starts */
    size_t boot_count;
    uint64_t span;  /* the last step's time or the end of the last token bar, whichever is later */
    double gap;     /* between consecutive steps */
    double scale;   /* per ms of boot clock */
    size_t rows[4]; /* rows used per lane */
    uint64_t longest_timeout_ms;
} timeline_layout;

/* The x of a time: after the last step at or before it, one gap on, then the time since that step. */
static double x_of(const timeline_layout *layout, uint64_t at)
{
    double x = TIMELINE_LEFT;
    uint64_t since = 0;
    for (size_t s = 0; s < layout->run->step_count && layout->places[s].at <= at; s++) {
        x = layout->places[s].x;
        since = layout->places[s].at;
    }
    return at == since ? x : x + layout->gap + layout->scale * (double)(at - since);
}

/* The first row of a lane whose last mark (or bar) ends far enough left of x. */
static size_t free_row(double *row_ends, size_t *rows, double x_start, double x_end)
{
    size_t row = 0;
    while (row < *rows && row_ends[row] + TIMELINE_MARK_SPACE > x_start)
        row++;
    if (row == TIMELINE_ROWS_MAX)
        row = TIMELINE_ROWS_MAX - 1; /* overlap rather than grow without bound */
    if (row == *rows)
        (*rows)++;
    row_ends[row] = x_end;
    return row;
}

static bool lay_out(const recorded_run *run, timeline_layout *layout)
{
    memset(layout, 0, sizeof(*layout));
    layout->run = run;
    layout->places = calloc(run->step_count + 1, sizeof(*layout->places));
    layout->boot_starts = calloc(run->step_count + 1, sizeof(*layout->boot_starts));
    if (layout->places == NULL || layout->boot_starts == NULL)
        return false;
    uint64_t offset = 0, previous_boot_ms = 0;
    uint32_t boot = run->step_count > 0 ? run->steps[0].boot_count : 0;
    for (size_t s = 0; s < run->step_count; s++) {
        const recorded_step *step = &run->steps[s];
        if (step->boot_count != boot) {
            offset += previous_boot_ms;
            layout->boot_starts[layout->boot_count++] = offset;
            boot = step->boot_count;
        }
        previous_boot_ms = step->boot_ms;
        layout->places[s].at = offset + step->boot_ms;
        layout->places[s].window_end = layout->places[s].at;
        layout->places[s].boot = layout->boot_count;
        layout->span = layout->places[s].at > layout->span ? layout->places[s].at : layout->span;
    }
    /* A token's bar: the longest window any timeout-bound key generated before it would accept it in, cut where
     * its boot ends (a reboot changes the per-boot HMAC key, so no token outlives its boot). */
    uint64_t longest = 0;
    for (size_t s = 0; s < run->step_count; s++) {
        const recorded_step *step = &run->steps[s];
        step_place *place = &layout->places[s];
        uint64_t timeout = generated_timeout_ms(step);
        longest = timeout > longest ? timeout : longest;
        if (lane_of(step) != LANE_TOKENS || longest == 0)
            continue;
        uint64_t end = place->at + longest;
        if (place->boot < layout->boot_count && end > layout->boot_starts[place->boot])
            end = layout->boot_starts[place->boot];
        place->window_end = end;
        layout->span = end > layout->span ? end : layout->span;
    }
    layout->longest_timeout_ms = longest;
    /* Half the width at most goes to the gaps between steps; the rest to the time. */
    double steps = (double)run->step_count + 1.0;
    layout->gap = TIMELINE_WIDTH * 0.5 / steps < 28.0 ? TIMELINE_WIDTH * 0.5 / steps : 28.0;
    layout->scale = layout->span > 0 ? (TIMELINE_WIDTH - layout->gap * steps) / (double)layout->span : 0.0;
    double x = TIMELINE_LEFT;
    for (size_t s = 0; s < run->step_count; s++) {
        uint64_t elapsed = s > 0 ? layout->places[s].at - layout->places[s - 1].at : layout->places[s].at;
        x += (s > 0 ? layout->gap : 0.0) + layout->scale * (double)elapsed;
        layout->places[s].x = x;
    }
    double row_ends[4][TIMELINE_ROWS_MAX];
    for (size_t s = 0; s < run->step_count; s++) {
        step_lane lane = lane_of(&run->steps[s]);
        step_place *place = &layout->places[s];
        if (lane != LANE_NONE)
            place->row = free_row(row_ends[lane], &layout->rows[lane], place->x,
                                  place->window_end > place->at ? x_of(layout, place->window_end) : place->x);
    }
    return true;
}

static void lay_out_free(timeline_layout *layout)
{
    free(layout->places);
    free(layout->boot_starts);
}

static void write_duration(FILE *out, uint64_t ms)
{
    if (ms % 1000 == 0)
        fprintf(out, "%llu s", (unsigned long long)(ms / 1000));
    else
        fprintf(out, "%llu.%03llu s", (unsigned long long)(ms / 1000), (unsigned long long)(ms % 1000));
}

/* "step N: ACTION ARGS -> OUTCOME" for a <title>, escaped. */
static void write_step_title(FILE *out, const recorded_step *step)
{
    fprintf(out, "<title>step %zu: ", step->number);
    transcript_write_xml_escaped(out, step->action);
    if (step->arguments != NULL && step->arguments[0] != '\0') {
        fputc(' ', out);
        transcript_write_xml_escaped(out, step->arguments);
    }
    fputs(" -&gt; ", out);
    transcript_write_xml_escaped(out, step->outcome != NULL ? step->outcome : "?");
    if (step->app_exception != NULL) {
        fputs(" (the app sees ", out);
        transcript_write_xml_escaped(out, step->app_exception);
        fputc(')', out);
    }
    if (!step->met) {
        fputs(", expected ", out);
        transcript_write_xml_escaped(out, step->expected != NULL ? step->expected : "?");
    }
    fputs("</title>", out);
}

static double lane_top(const timeline_layout *layout, step_lane lane)
{
    double top = 40.0;
    for (int l = LANE_EVENTS; l < (int)lane; l++)
        top += 12.0 + TIMELINE_ROW_HEIGHT * (double)(layout->rows[l] > 0 ? layout->rows[l] : 1);
    return top;
}

static void write_timeline(FILE *out, const recorded_run *run, size_t run_number)
{
    timeline_layout layout;
    if (!lay_out(run, &layout)) {
        lay_out_free(&layout);
        fputs("<p>out of memory while drawing this timeline</p>\n", out);
        return;
    }
    double bottom = lane_top(&layout, LANE_STEPS + 1);
    double height = bottom + 30.0;
    fprintf(out,
            "<svg class=\"timeline\" role=\"img\" aria-labelledby=\"timeline-title-%zu\" viewBox=\"0 0 1080 %.0f\" "
            "width=\"1080\" height=\"%.0f\" xmlns=\"http://www.w3.org/2000/svg\">\n",
            run_number, height, height);
    fprintf(out, "<title id=\"timeline-title-%zu\">Timeline of run %zu on the boot clock, ", run_number, run_number);
    write_duration(out, layout.span);
    fprintf(out, " in all, %zu boot%s</title>\n", layout.boot_count + 1, layout.boot_count == 0 ? "" : "s");
    static const char *const lane_names[] = {"", "events", "tokens", "steps"};
    for (int lane = LANE_EVENTS; lane <= LANE_STEPS; lane++) {
        double top = lane_top(&layout, (step_lane)lane);
        fprintf(out, "<text class=\"lane-label\" x=\"8\" y=\"%.1f\">%s</text>\n", top + 18.0, lane_names[lane]);
        fprintf(out, "<line class=\"lane\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", TIMELINE_LEFT,
                top - 6.0, TIMELINE_LEFT + TIMELINE_WIDTH, top - 6.0);
    }
    /* The axis, and where each boot starts. */
    fprintf(out, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", TIMELINE_LEFT, bottom,
            TIMELINE_LEFT + TIMELINE_WIDTH, bottom);
    fprintf(out, "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\">0 s</text>\n", TIMELINE_LEFT, bottom + 16.0);
    /* The boot clock under each step that moved it, where there is room for the label. */
    double last_label = TIMELINE_LEFT;
    for (size_t s = 0; s < run->step_count; s++) {
        const step_place *place = &layout.places[s];
        bool moved = s > 0 ? place->at > layout.places[s - 1].at : place->at > 0;
        if (!moved || place->x < last_label + 60.0)
            continue;
        fprintf(out, "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\">", place->x, bottom + 16.0);
        write_duration(out, run->steps[s].boot_ms);
        fputs("</text>\n", out);
        last_label = place->x;
    }
    fputs("<text class=\"tick\" x=\"8\" y=\"24\">boot 1</text>\n", out);
    for (size_t b = 0; b < layout.boot_count; b++) {
        double x = 0.0;
        for (size_t s = 0; s < run->step_count; s++)
            if (layout.places[s].boot == b + 1) {
                x = layout.places[s].x;
                break;
            }
        fprintf(out,
                "<g class=\"reboot\"><title>reboot: boot %zu starts, its clock at 0</title><line x1=\"%.1f\" y1=\"20\" "
                "x2=\"%.1f\" y2=\"%.1f\"/><text x=\"%.1f\" y=\"24\">boot %zu</text></g>\n",
                b + 2, x, x, bottom, x + 3.0, b + 2);
    }
    for (size_t s = 0; s < run->step_count; s++) {
        const recorded_step *step = &run->steps[s];
        const step_place *place = &layout.places[s];
        step_lane lane = lane_of(step);
        if (observed_invalidated(step)) {
            fprintf(out, "<g class=\"invalidation\"><title>step %zu: a key observed invalidated (", step->number);
            transcript_write_xml_escaped(out, step->outcome);
            fprintf(out, ")</title><line x1=\"%.1f\" y1=\"30\" x2=\"%.1f\" y2=\"%.1f\"/></g>\n", place->x, place->x,
                    bottom);
        }
        if (lane == LANE_NONE)
            continue;
        double y = lane_top(&layout, lane) + TIMELINE_ROW_HEIGHT * (double)place->row + 14.0;
        const char *result_class = step->result == 0 ? "ok" : "refused";
        const char *missed_class = step->met ? "" : " missed";
        if (lane == LANE_EVENTS) {
            fprintf(out, "<g class=\"event %s%s\">", result_class, missed_class);
            write_step_title(out, step);
            fprintf(out, "<polygon points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f\"/>", place->x, y - 6.0,
                    place->x + 6.0, y, place->x, y + 6.0, place->x - 6.0, y);
        } else if (lane == LANE_TOKENS) {
            fprintf(out, "<g class=\"token%s\">", missed_class);
            write_step_title(out, step);
            if (place->window_end > place->at)
                fprintf(out, "<rect class=\"token-window\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"8\"/>",
                        place->x, y - 4.0, x_of(&layout, place->window_end) - place->x);
            fprintf(out, "<polygon points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f\"/>", place->x - 5.0, y + 6.0, place->x + 5.0,
                    y + 6.0, place->x, y - 6.0);
        } else {
            fprintf(out, "<g class=\"op %s%s\">", result_class, missed_class);
            write_step_title(out, step);
            fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5.5\"/>", place->x, y);
        }
        fprintf(out, "<text class=\"number\" x=\"%.1f\" y=\"%.1f\">%zu</text></g>\n", place->x, y - 8.0, step->number);
    }
    fputs("</svg>\n", out);
    if (layout.longest_timeout_ms > 0) {
        fputs("<p class=\"note\">Token bars: the longest window a timeout-bound key of this scenario (the longest, ",
              out);
        write_duration(out, layout.longest_timeout_ms);
        fputs(", among the keys generated before the token) would accept the token in, cut at the next reboot. "
              "Whether the token's type and SID fit a key is not drawn: the step marks show what the device "
              "decided.</p>\n",
              out);
    }
    lay_out_free(&layout);
}

/* --explain: a step's decision path, folded so the table stays one line per step until the reader opens it. */
static void write_decision(FILE *out, const char *decision)
{
    if (decision == NULL || decision[0] == '\0')
        return;
    size_t lines = 0;
    for (const char *c = decision; *c != '\0'; c++)
        lines += *c == '\n' || c[1] == '\0';
    fprintf(out, "<details class=\"why\"><summary>why (%zu line%s)</summary><pre>", lines, lines == 1 ? "" : "s");
    /* The escaper turns a newline into a space; inside <pre> each fact keeps its own line. */
    for (const char *line = decision; *line != '\0';) {
        const char *end = strchr(line, '\n');
        size_t length = end != NULL ? (size_t)(end - line) : strlen(line);
        char *copy = malloc(length + 1);
        if (copy == NULL)
            break;
        memcpy(copy, line, length);
        copy[length] = '\0';
        transcript_write_xml_escaped(out, copy);
        fputc('\n', out);
        free(copy);
        line = end != NULL ? end + 1 : line + length;
    }
    fputs("</pre></details>", out);
}

static bool run_is_explained(const recorded_run *run)
{
    for (size_t s = 0; s < run->step_count; s++)
        if (run->steps[s].decision != NULL && run->steps[s].decision[0] != '\0')
            return true;
    return false;
}

static void write_steps_table(FILE *out, const recorded_run *run)
{
    /* The why column is there only in an explained run, so a page without --explain is unchanged. */
    bool explained = run_is_explained(run);
    fputs("<details class=\"steps\"><summary>steps</summary>\n<table class=\"steps-table\"><thead><tr><th "
          "scope=\"col\">step</th><th scope=\"col\">boot clock</th><th scope=\"col\">action</th><th "
          "scope=\"col\">arguments</th><th scope=\"col\">result</th><th scope=\"col\">the app sees</th><th "
          "scope=\"col\">expectation</th>",
          out);
    fputs(explained ? "<th scope=\"col\">why (--explain)</th></tr></thead>\n<tbody>\n" : "</tr></thead>\n<tbody>\n",
          out);
    for (size_t s = 0; s < run->step_count; s++) {
        const recorded_step *step = &run->steps[s];
        fprintf(out, "<tr class=\"%s%s\"><td>%zu</td><td>boot %u, ", step->result == 0 ? "ok" : "refused",
                step->met ? "" : " missed", step->number, (unsigned)step->boot_count);
        write_duration(out, step->boot_ms);
        fputs("</td><td>", out);
        transcript_write_xml_escaped(out, step->action);
        fputs("</td><td class=\"arguments\">", out);
        transcript_write_xml_escaped(out, step->arguments != NULL ? step->arguments : "");
        fputs("</td><td>", out);
        transcript_write_xml_escaped(out, step->outcome != NULL ? step->outcome : "?");
        fputs("</td><td>", out);
        if (step->app_exception != NULL) {
            transcript_write_xml_escaped(out, step->app_exception);
            if (step->app_call != NULL) {
                fputs(" from ", out);
                transcript_write_xml_escaped(out, step->app_call);
            }
        }
        fputs("</td><td>", out);
        if (step->met) {
            fputs("met", out);
        } else {
            fputs("expected ", out);
            transcript_write_xml_escaped(out, step->expected != NULL ? step->expected : "?");
        }
        if (explained) {
            fputs("</td><td>", out);
            write_decision(out, step->decision);
        }
        fputs("</td></tr>\n", out);
    }
    fputs("</tbody></table></details>\n", out);
}

static const char html_style[] =
    "body{font-family:system-ui,sans-serif;margin:1.5em;color:#1a1a1a;background:#fff}"
    "h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}h3{font-size:1em}"
    "table{border-collapse:collapse;font-size:.85em}td,th{border:1px solid #ccc;padding:2px 6px;text-align:left;"
    "vertical-align:top}.arguments{font-family:monospace;min-width:22em;max-width:40em;overflow-wrap:anywhere}"
    "td.cell{white-space:nowrap}section.matrix,details.steps{overflow-x:auto}"
    "tr.refused td,td.refused{background:#fde8e0}tr.ok td,td.ok{background:#e6f4e6}td.not-ran{background:#eee}"
    "td.differs{outline:3px solid #7a3db8;outline-offset:-3px;font-weight:bold}tr.missed td,td.missed{color:#b00000}"
    ".mark{color:#7a3db8}"
    "svg.timeline{display:block;max-width:100%;height:auto;border:1px solid #ddd;background:#fcfcfc}"
    ".lane{stroke:#e4e4e4}.axis{stroke:#555}.tick,.lane-label,.number{font-size:10px;fill:#333}"
    ".tick.end{text-anchor:end}.number{text-anchor:middle}"
    ".reboot line{stroke:#222;stroke-width:2}.reboot text{font-size:10px;fill:#222}"
    ".invalidation line{stroke:#c00000;stroke-width:2;stroke-dasharray:5 3}"
    ".event polygon{fill:#2f6fd0}.event.refused polygon{fill:#e07020}"
    ".token polygon{fill:#2a9d8f}.token-window{fill:#2a9d8f;opacity:.3}"
    ".op.ok circle{fill:#2e9e44}.op.refused circle{fill:#e07020}"
    ".missed circle,.missed polygon{stroke:#000;stroke-width:2.5}"
    "details.why pre{font-size:.9em;margin:2px 0;white-space:pre-wrap;max-width:60em}"
    ".note{font-size:.85em;color:#444}#legend svg{vertical-align:middle}#legend li{list-style:none;margin:2px 0}";

/* The page's one script: it marks the page as rendered, and writes any script error into the DOM, where a
 * headless browser's --dump-dom shows it (test/shell/html_report.sh). */
static const char html_script[] =
    "window.addEventListener('error',function(e){document.documentElement.setAttribute('data-script-error',"
    "String(e.message));});"
    "document.addEventListener('DOMContentLoaded',function(){document.documentElement.setAttribute("
    "'data-rendered',String(document.querySelectorAll('svg.timeline').length));});";

static void write_legend(FILE *out)
{
    fputs(
        "<section id=\"legend\"><h2>Legend</h2><ul>\n"
        "<li><svg width=\"16\" height=\"16\" aria-hidden=\"true\"><circle cx=\"8\" cy=\"8\" r=\"5.5\" "
        "fill=\"#2e9e44\"/></svg> a step that succeeded (ok)</li>\n"
        "<li><svg width=\"16\" height=\"16\" aria-hidden=\"true\"><circle cx=\"8\" cy=\"8\" r=\"5.5\" "
        "fill=\"#e07020\"/></svg> a step the device refused (its result names why)</li>\n"
        "<li><svg width=\"16\" height=\"16\" aria-hidden=\"true\"><circle cx=\"8\" cy=\"8\" r=\"5.5\" fill=\"#e07020\" "
        "stroke=\"#000\" stroke-width=\"2.5\"/></svg> black outline: the step missed its expectation</li>\n"
        "<li><svg width=\"16\" height=\"16\" aria-hidden=\"true\"><polygon points=\"8,2 14,8 8,14 2,8\" "
        "fill=\"#2f6fd0\"/></svg> an event: a credential set, changed, reset or removed, a biometric enrolled or "
        "removed, a lock, a reboot</li>\n"
        "<li><svg width=\"40\" height=\"16\" aria-hidden=\"true\"><rect x=\"8\" y=\"4\" width=\"30\" height=\"8\" "
        "fill=\"#2a9d8f\" opacity=\".3\"/><polygon points=\"3,14 13,14 8,2\" fill=\"#2a9d8f\"/></svg> an auth token "
        "issued, and the window timeout-bound keys would accept it in</li>\n"
        "<li><svg width=\"16\" height=\"16\" aria-hidden=\"true\"><line x1=\"8\" y1=\"0\" x2=\"8\" y2=\"16\" "
        "stroke=\"#222\" stroke-width=\"2\"/></svg> a reboot: the next boot's clock starts at 0 there</li>\n"
        "<li><svg width=\"16\" height=\"16\" aria-hidden=\"true\"><line x1=\"8\" y1=\"0\" x2=\"8\" y2=\"16\" "
        "stroke=\"#c00000\" stroke-width=\"2\" stroke-dasharray=\"5 3\"/></svg> a key observed invalidated "
        "(expect_key or KEY_PERMANENTLY_INVALIDATED)</li>\n"
        "<li>Hover a mark for its step, arguments and result; the number above it is the step's.</li>\n"
        "</ul></section>\n",
        out);
}

static void write_page(const transcript *transcript, size_t passed, size_t failed)
{
    FILE *out = transcript->out;
    const run_record *record = transcript->record;
    fprintf(out,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>kssim run: %zu passed, "
            "%zu failed</title>\n<style>%s</style>\n<script>%s</script>\n</head>\n<body>\n",
            passed, failed, html_style, html_script);
    fprintf(out, "<h1>kssim run</h1>\n<p class=\"summary\">%zu passed, %zu failed</p>\n", passed, failed);
    if (record == NULL || record->out_of_memory) {
        fputs("<p>kssim ran out of memory while keeping the runs for this page; run fewer scenarios at once.</p>\n"
              "</body>\n</html>\n",
              out);
        return;
    }
    write_legend(out);
    if (transcript->kind == TRANSCRIPT_HTML_MATRIX)
        fputs("<p><a href=\"#matrix\">Version matrix</a></p>\n", out);
    for (size_t r = 0; r < record->count; r++) {
        const recorded_run *run = &record->runs[r];
        fprintf(out, "<section class=\"run %s\" id=\"run-%zu\">\n<h2>", run->passed ? "passed" : "failed", r + 1);
        transcript_write_xml_escaped(out, run->path);
        fprintf(out, " @ api_level %d: ", run->api_level);
        transcript_write_xml_escaped(out, run->name != NULL ? run->name : "");
        fprintf(out, " (seed %llu)</h2>\n<p class=\"verdict\">%s</p>\n", (unsigned long long)run->seed,
                run->passed ? "passed: every step met its expectation" : "FAILED: some step missed its expectation");
        if (run->problem != NULL) {
            fputs("<p class=\"problem\">", out);
            transcript_write_xml_escaped(out, run->problem);
            fputs("</p>\n", out);
        }
        write_timeline(out, run, r + 1);
        write_steps_table(out, run);
        fputs("</section>\n", out);
    }
    if (transcript->kind == TRANSCRIPT_HTML_MATRIX)
        run_matrix_write_html(record, out);
    fputs("</body>\n</html>\n", out);
}

static void html_begin_run(transcript *transcript, size_t scenario_count)
{
    (void)scenario_count;
    run_record_of(transcript);
}

static void html_begin_scenario(transcript *transcript)
{
    run_record *record = run_record_of(transcript);
    if (record != NULL)
        run_record_begin(record, transcript->path, transcript->name, transcript->seed, transcript->api_level);
}

static void html_step(transcript *transcript, const transcript_step *step)
{
    if (transcript->record != NULL)
        run_record_step(transcript->record, step);
}

static void html_problem(transcript *transcript, const char *text)
{
    if (transcript->record != NULL)
        run_record_problem(transcript->record, text);
}

static void html_end_scenario(transcript *transcript, bool passed)
{
    if (transcript->record != NULL)
        run_record_end(transcript->record, passed);
}

static void html_end_run(transcript *transcript, size_t passed, size_t failed)
{
    write_page(transcript, passed, failed);
}

const transcript_format transcript_html_format = {
    .begin_run = html_begin_run,
    .begin_scenario = html_begin_scenario,
    .step = html_step,
    .problem = html_problem,
    .end_scenario = html_end_scenario,
    .end_run = html_end_run,
};
