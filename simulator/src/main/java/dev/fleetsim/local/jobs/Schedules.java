package dev.fleetsim.local.jobs;

import static dev.fleetsim.local.jobs.ApiException.invalidRequest;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/**
 * {@code schedulingConfig} times (§5.5): {@code YYYY-MM-DDTHH:MM} in UTC (seconds and an offset are accepted too).
 * startTime at least 30 minutes and at most a year ahead; endTime at least 30 minutes after now and after startTime,
 * at most two years ahead. All measured on the engine's clock, so a time-scaled run can use them.
 */
final class Schedules {
    private Schedules() {}

    static Instant parse(String text, String field) {
        if (text == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            try {
                return LocalDateTime.parse(text).toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException e2) {
                throw invalidRequest("schedulingConfig." + field + " must look like 2026-12-01T10:30");
            }
        }
    }

    static void validate(Instant now, Instant start, Instant end) {
        Duration thirtyMinutes = Duration.ofMinutes(30);
        if (start != null) {
            if (start.isBefore(now.plus(thirtyMinutes))) {
                throw invalidRequest("schedulingConfig.startTime must be at least 30 minutes in the future");
            }
            if (start.isAfter(now.plus(Duration.ofDays(366)))) {
                throw invalidRequest("schedulingConfig.startTime must be at most one year in the future");
            }
        }
        if (end != null) {
            if (end.isBefore(now.plus(thirtyMinutes))) {
                throw invalidRequest("schedulingConfig.endTime must be at least 30 minutes in the future");
            }
            if (start != null && end.isBefore(start.plus(thirtyMinutes))) {
                throw invalidRequest("schedulingConfig.endTime must be at least 30 minutes after startTime");
            }
            if (end.isAfter(now.plus(Duration.ofDays(731)))) {
                throw invalidRequest("schedulingConfig.endTime must be at most two years in the future");
            }
        }
    }
}
