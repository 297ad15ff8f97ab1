package dev.fleetsim.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dependency rules of the package table in the README, checked on the compiled classes:
 *
 * <pre>
 *   cli, bench ──────────────► anything
 *   scenario ─► target, fleet, device, artifact, report vocabulary     local ─► target, jobs, net, clock, pki, aws
 *   fleet ─► device                                                      (the fake AWS: never the simulator)
 *   device ─► jobs, net, pki                                            simulator side: never local
 *   jobs, jobs.config, net, clock, pki, aws, target, metrics: the shared ground both sides stand on
 * </pre>
 *
 * plus: no package cycles (top level, inside {@code local} and inside {@code device}); only {@code cli} and
 * {@code bench} print; and no inline fully qualified type names in code, so that imports tell the truth.
 */
class ArchitectureTest {
    private static final String ROOT = "dev.fleetsim";
    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages(ROOT);
    }

    private static String[] packages(String... names) {
        return Stream.of(names).map(n -> ROOT + "." + n + "..").toArray(String[]::new);
    }

    @Test
    void theLocalStackNeverDependsOnTheSimulator() {
        ArchRule rule = noClasses()
                .that()
                .resideInAnyPackage(packages("local"))
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(packages("device", "fleet", "scenario", "artifact", "cli", "bench"));
        rule.check(classes);
    }

    @Test
    void theSimulatorNeverDependsOnTheLocalStack() {
        ArchRule rule = noClasses()
                .that()
                .resideInAnyPackage(packages("device", "fleet", "scenario", "artifact"))
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(packages("local"));
        rule.check(classes);
    }

    @Test
    void theSharedGroundDependsOnNeitherSide() {
        ArchRule rule = noClasses()
                .that()
                .resideInAnyPackage(packages("jobs", "net", "clock", "pki", "aws", "target", "metrics"))
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(packages("local", "device", "fleet", "scenario", "artifact", "cli", "bench"));
        rule.check(classes);
    }

    @Test
    void theJobsVocabularyDoesNoIoAndStandsAlone() {
        ArchRule rule = noClasses()
                .that()
                .resideInAnyPackage(packages("jobs"))
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(packages("net", "clock", "pki", "aws", "target"))
                .orShould()
                .dependOnClassesThat()
                .resideInAnyPackage("io.netty..", "java.nio.channels..", "java.net..", "com.hivemq..");
        rule.check(classes);
    }

    @Test
    void devicesKnowNothingOfFleetsScenariosOrMetrics() {
        ArchRule rule = noClasses()
                .that()
                .resideInAnyPackage(packages("device"))
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(packages("fleet", "scenario", "artifact", "target", "cli", "bench"))
                .orShould()
                .dependOnClassesThat()
                .resideInAnyPackage("io.micrometer..", "org.HdrHistogram..");
        rule.check(classes);
    }

    @Test
    void layersOfTheSimulatorPointDown() {
        noClasses()
                .that()
                .resideInAnyPackage(packages("fleet"))
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(packages("scenario", "cli", "bench"))
                .check(classes);
        noClasses()
                .that()
                .resideInAnyPackage(packages("scenario", "local", "device", "fleet", "artifact"))
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(packages("cli", "bench", "console", "shard"))
                .check(classes);
        // Sharding stands on the scenario (a run's observer, its fleet plan) and the fleet; it never reaches into the
        // local stack (shards reach it only over MQTT and HTTP, as pods would) nor drives the CLI.
        noClasses()
                .that()
                .resideInAnyPackage(packages("shard"))
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(packages("cli", "bench", "console", "local"))
                .check(classes);
        // The console watches a run through LiveRun; it never drives the CLI or a bench.
        noClasses()
                .that()
                .resideInAnyPackage(packages("console"))
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(packages("cli", "bench"))
                .check(classes);
    }

    @Test
    void noPackageCycles() {
        slices().matching(ROOT + ".(*)..").should().beFreeOfCycles().check(classes);
        slices().matching(ROOT + ".local.(*)..").should().beFreeOfCycles().check(classes);
        slices().matching(ROOT + ".device.(*)..").should().beFreeOfCycles().check(classes);
    }

    @Test
    void onlyTheCommandLinePrints() {
        noClasses()
                .that()
                .resideOutsideOfPackages(packages("cli", "bench"))
                .should()
                .accessField(System.class, "out")
                .orShould()
                .accessField(System.class, "err")
                .check(classes);
    }

    /** {@code dev.fleetsim.x.Y}, {@code java.util.concurrent.Z} … written in code rather than imported. */
    private static final Pattern INLINE_NAME =
            Pattern.compile("(?<![\\w.])(?:java|javax|io|com|org|dev|software)\\.(?:[a-z0-9_]+\\.)+[A-Z]\\w*");

    @Test
    void codeImportsWhatItUsesInsteadOfNamingItInline() throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String code = withoutCommentsAndStrings(Files.readString(file));
                int lineNumber = 0;
                for (String line : code.split("\n", -1)) {
                    lineNumber++;
                    String trimmed = line.trim();
                    if (trimmed.startsWith("import ") || trimmed.startsWith("package ")) {
                        continue;
                    }
                    Matcher m = INLINE_NAME.matcher(line);
                    while (m.find()) {
                        found.add(file + ":" + lineNumber + ": " + m.group());
                    }
                }
            }
        }
        assertThat(found).as("inline fully qualified names; import them").isEmpty();
    }

    /** Blanks comments and string literals (keeping line breaks) so only code is searched. */
    static String withoutCommentsAndStrings(String source) {
        StringBuilder out = new StringBuilder(source.length());
        int i = 0;
        while (i < source.length()) {
            char c = source.charAt(i);
            if (source.startsWith("\"\"\"", i)) {
                int end = source.indexOf("\"\"\"", i + 3);
                end = end < 0 ? source.length() : end + 3;
                blank(source, i, end, out);
                i = end;
            } else if (c == '"' || c == '\'') {
                int j = i + 1;
                while (j < source.length() && source.charAt(j) != c) {
                    j += source.charAt(j) == '\\' ? 2 : 1;
                }
                int end = Math.min(source.length(), j + 1);
                blank(source, i, end, out);
                i = end;
            } else if (source.startsWith("//", i)) {
                int end = source.indexOf('\n', i);
                end = end < 0 ? source.length() : end;
                blank(source, i, end, out);
                i = end;
            } else if (source.startsWith("/*", i)) {
                int end = source.indexOf("*/", i + 2);
                end = end < 0 ? source.length() : end + 2;
                blank(source, i, end, out);
                i = end;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    private static void blank(String source, int from, int to, StringBuilder out) {
        for (int k = from; k < to; k++) {
            out.append(source.charAt(k) == '\n' ? '\n' : ' ');
        }
    }
}
