package dev.fleetsim.jobs.config;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The cron expressions of {@code maintenanceWindows[].startTime} (§5.5), in AWS's six-field form
 * {@code cron(minutes hours day-of-month month day-of-week year)}, evaluated in UTC. Fields take {@code *}, numbers,
 * lists, ranges and steps; day-of-month or day-of-week may be {@code ?}; months and weekdays take names (JAN, MON);
 * day-of-week 1 is Sunday as in AWS cron. {@code L}, {@code W} and {@code #} are not supported.
 */
public final class Cron {
    private static final Map<String, Integer> MONTHS = Map.ofEntries(
            Map.entry("JAN", 1),
            Map.entry("FEB", 2),
            Map.entry("MAR", 3),
            Map.entry("APR", 4),
            Map.entry("MAY", 5),
            Map.entry("JUN", 6),
            Map.entry("JUL", 7),
            Map.entry("AUG", 8),
            Map.entry("SEP", 9),
            Map.entry("OCT", 10),
            Map.entry("NOV", 11),
            Map.entry("DEC", 12));
    private static final Map<String, Integer> DAYS =
            Map.of("SUN", 1, "MON", 2, "TUE", 3, "WED", 4, "THU", 5, "FRI", 6, "SAT", 7);

    private final BitSet minutes;
    private final BitSet hours;
    private final BitSet daysOfMonth;
    private final BitSet months;
    private final BitSet daysOfWeek;
    private final BitSet years;
    private final boolean anyDayOfMonth;
    private final boolean anyDayOfWeek;

    private Cron(String[] f) {
        minutes = field(f[0], 0, 59, Map.of(), "minutes");
        hours = field(f[1], 0, 23, Map.of(), "hours");
        anyDayOfMonth = f[2].equals("?") || f[2].equals("*");
        anyDayOfWeek = f[4].equals("?") || f[4].equals("*");
        daysOfMonth = field(f[2].equals("?") ? "*" : f[2], 1, 31, Map.of(), "day-of-month");
        months = field(f[3], 1, 12, MONTHS, "month");
        daysOfWeek = field(f[4].equals("?") ? "*" : f[4], 1, 7, DAYS, "day-of-week");
        years = f.length > 5 ? field(f[5], 1970, 2199, Map.of(), "year") : field("*", 1970, 2199, Map.of(), "year");
    }

    /**
     * Parses {@code cron(…)} or the bare fields.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static Cron parse(String expression) {
        String text = expression == null ? "" : expression.trim();
        if (text.startsWith("cron(") && text.endsWith(")")) {
            text = text.substring(5, text.length() - 1).trim();
        }
        String[] fields = text.split("\\s+");
        if (fields.length != 6 && fields.length != 5) {
            throw new IllegalArgumentException("a cron expression has 6 fields: minutes hours day-of-month month"
                    + " day-of-week year, e.g. cron(0 2 ? * SUN *)");
        }
        return new Cron(fields);
    }

    /** Whether the minute that contains {@code instant} matches. */
    public boolean matches(Instant instant) {
        ZonedDateTime t = instant.atZone(ZoneOffset.UTC);
        return minutes.get(t.getMinute()) && hours.get(t.getHour()) && matchesDay(t.toLocalDate());
    }

    private boolean matchesDay(LocalDate d) {
        if (!months.get(d.getMonthValue()) || !years.get(d.getYear())) {
            return false;
        }
        int dow = d.getDayOfWeek() == DayOfWeek.SUNDAY ? 1 : d.getDayOfWeek().getValue() + 1;
        boolean dom = daysOfMonth.get(d.getDayOfMonth());
        boolean week = daysOfWeek.get(dow);
        if (anyDayOfMonth && anyDayOfWeek) {
            return true;
        }
        if (anyDayOfMonth) {
            return week;
        }
        if (anyDayOfWeek) {
            return dom;
        }
        return dom || week;
    }

    /** The next {@code count} starts at or after {@code from}, searching at most {@code days} days ahead. */
    public List<Instant> next(Instant from, int count, int days) {
        List<Instant> starts = new ArrayList<>();
        ZonedDateTime first = from.atZone(ZoneOffset.UTC).truncatedTo(ChronoUnit.MINUTES);
        if (first.toInstant().isBefore(from)) {
            first = first.plusMinutes(1);
        }
        LocalDate day = first.toLocalDate();
        for (int i = 0; i <= days && starts.size() < count; i++, day = day.plusDays(1)) {
            if (!matchesDay(day)) {
                continue;
            }
            for (int h = hours.nextSetBit(0); h >= 0 && starts.size() < count; h = hours.nextSetBit(h + 1)) {
                for (int m = minutes.nextSetBit(0); m >= 0 && starts.size() < count; m = minutes.nextSetBit(m + 1)) {
                    ZonedDateTime t = day.atTime(h, m).atZone(ZoneOffset.UTC);
                    if (!t.isBefore(first)) {
                        starts.add(t.toInstant());
                    }
                }
            }
        }
        return starts;
    }

    /** Whether {@code now} lies in a window that started at a match within the last {@code duration} minutes. */
    public boolean inWindow(Instant now, int durationMinutes) {
        Instant minute = now.truncatedTo(ChronoUnit.MINUTES);
        for (int back = 0; back < durationMinutes; back++) {
            if (matches(minute.minus(back, ChronoUnit.MINUTES))) {
                return true;
            }
        }
        return false;
    }

    private static BitSet field(String text, int min, int max, Map<String, Integer> names, String what) {
        BitSet bits = new BitSet(max + 1);
        for (String part : text.toUpperCase(Locale.ROOT).split(",")) {
            int step = 1;
            String range = part;
            int slash = part.indexOf('/');
            if (slash >= 0) {
                step = number(part.substring(slash + 1), Map.of(), what);
                range = part.substring(0, slash);
                if (step < 1) {
                    throw new IllegalArgumentException(what + ": step must be positive");
                }
            }
            int from;
            int to;
            if (range.equals("*")) {
                from = min;
                to = max;
            } else if (range.contains("-")) {
                String[] ends = range.split("-", 2);
                from = number(ends[0], names, what);
                to = number(ends[1], names, what);
            } else {
                from = number(range, names, what);
                to = slash >= 0 ? max : from;
            }
            if (from < min || to > max || from > to) {
                throw new IllegalArgumentException(what + ": " + part + " is outside " + min + "-" + max);
            }
            for (int v = from; v <= to; v += step) {
                bits.set(v);
            }
        }
        return bits;
    }

    private static int number(String text, Map<String, Integer> names, String what) {
        Integer named = names.get(text);
        if (named != null) {
            return named;
        }
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    what + ": '" + text + "' is not supported (use numbers, names, * ? , - /)");
        }
    }
}
