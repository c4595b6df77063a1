import Crypto
import DayZeroCohort
import DayZeroStats
import Foundation

/// The whole analysis of a study under a protocol: derivation, every analysis set's workup,
/// and the provenance that makes the results reproducible.
public struct StudyAnalysis: Sendable {
    public let study: StudyData
    public let cohort: DerivedCohort
    public let results: StudyResults
    /// The membership of each analysis set, in `results.analysisSets` order.
    public let memberships: [AnalysisSetMembership]
    /// The propensity-matched sets, in protocol order (their model, pairs and balance).
    public let matchedSets: [PropensityMatchedSet]

    /// The version written into provenance blocks.
    public static let toolVersion = "0.1.0"

    /// The R function each method's numbers are checked against.
    public static let referenceImplementations: [String: String] = [
        "fisher": "stats::fisher.test(x) (two-sided)",
        "mann-whitney": "stats::wilcox.test(treated, control) (exact if both n < 50 and no ties, else normal with continuity and tie correction)",
        "median-iqr": "stats::quantile(x, c(.25, .5, .75), type = 7)",
        "geometric-mean": "exp(mean(log(x))) with exp(t.test(log(x))$conf.int)",
        "mixed-model": "lmerTest::anova(lmer(value ~ factor(day) * group + (1 | patient), REML = TRUE), type = 3) (Satterthwaite)",
        "kaplan-meier": "survival::survfit(Surv(time, event) ~ group, conf.type = \"log\")",
        "log-rank": "survival::survdiff(Surv(time, event) ~ group)",
        "paired-t": "stats::t.test(post, pre, paired = TRUE)",
        "propensity-matching": "MatchIt::matchit(treat ~ covariates, method = \"nearest\", distance = \"glm\") (MatchIt >= 4.5.4 rule; see docs/methods/matching.md)",
        "balance": "cobalt::bal.tab(m, un = TRUE, stats = c(\"mean.diffs\", \"variance.ratios\")) (ATT defaults)",
    ]

    /// Derives the cohort and runs the workup of every analysis set the protocol declares.
    /// A propensity-matched set is formed by `PropensityMatchedSet`; when its model or
    /// matching cannot be computed (e.g. no control with complete covariates) the set is left
    /// out and the reason is reported in `results.warnings`.
    public init(study: StudyData, protocol studyProtocol: StudyProtocol, seed: UInt64? = nil) throws {
        let cohort = try CohortDerivation.derive(study, protocol: studyProtocol)
        let workup = Workup(study: study, cohort: cohort)
        var sets: [AnalysisSetResults] = []
        var memberships: [AnalysisSetMembership] = []
        var matchedSets: [PropensityMatchedSet] = []
        var warnings: [String] = []
        for rule in studyProtocol.analysisSets {
            let label = rule.description ?? rule.name
            if let membership = cohort.membership(of: rule) {
                memberships.append(membership)
                sets.append(workup.run(membership, label: label))
            } else if let settings = rule.propensityMatching {
                do {
                    let matched = try PropensityMatchedSet(name: rule.name, settings: settings, cohort: cohort, study: study)
                    memberships.append(matched.membership)
                    matchedSets.append(matched)
                    sets.append(workup.run(matched, label: label))
                } catch {
                    warnings.append("analysis set '\(rule.name)': propensity-score matching failed (\(error)); the set was not formed")
                }
            }
        }
        let provenance = Provenance(
            toolVersion: Self.toolVersion, inputHash: StudyHash.sha256(study),
            protocolHash: StudyHash.sha256(text: try ProtocolYAML.encode(studyProtocol)), seed: seed,
            referenceImplementations: Self.referenceImplementations)
        var results = StudyResults(provenance: provenance, analysisSets: sets)
        results.warnings = warnings
        self.study = study
        self.cohort = cohort
        self.results = results
        self.memberships = memberships
        self.matchedSets = matchedSets
    }

    /// `results.json`: sorted keys, pretty-printed, byte-identical for identical input.
    public func resultsJSON() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        var data = try encoder.encode(results)
        data.append(0x0A)
        return data
    }
}

/// SHA-256 fingerprints of the input study and the protocol, for provenance.
public enum StudyHash {
    /// SHA-256 of the text, hex.
    public static func sha256(text: String) -> String {
        hex(SHA256.hash(data: Data(text.utf8)))
    }

    /// SHA-256 of a canonical serialisation of every table of the study (values in canonical
    /// units, rows in their stored order), hex. Independent of how the files were laid out.
    public static func sha256(_ study: StudyData) -> String {
        var hasher = SHA256()
        func add(_ fields: [String]) {
            hasher.update(data: Data((fields.joined(separator: "\u{1F}") + "\u{1E}").utf8))
        }
        func num(_ x: Double?) -> String { x.map { "\($0)" } ?? "" }
        add(["patients"])
        for p in study.patients {
            add([p.id, p.site, p.sex.rawValue, num(p.age), num(p.bmi), num(p.apacheII), num(p.symptomDays),
                 p.comorbidities.map(\.rawValue).sorted().joined(separator: ","), "\(p.immunocompromised)", "\(p.consentRefused)"])
        }
        add(["icu_course"])
        for c in study.courses {
            add([c.patientID, c.admissionTimestamp ?? "", num(c.discharge), num(c.ventilationStart), num(c.ventilationEnd),
                 num(c.death), num(c.followUpEnd)])
        }
        add(["measurements"])
        for m in study.measurements { add([m.patientID, num(m.time), m.parameter, num(m.value)]) }
        add(["medications"])
        for m in study.medications { add([m.patientID, m.drug, num(m.time), num(m.dose), m.doseUnit ?? ""]) }
        add(["events"])
        for e in study.events { add([e.patientID, e.event, num(e.time), e.detail ?? ""]) }
        add(["cytokines"])
        for c in study.cytokines {
            add([c.patientID, c.sampleID, num(c.time), c.timepoint.rawValue, c.analyte, num(c.value), "\(c.belowLOD)"])
        }
        add(["proteomics_samples"])
        for s in study.proteomicsSamples { add([s.sampleID, s.patientID, num(s.time), s.timepoint.rawValue]) }
        add(["proteomics"])
        for v in study.proteomics {
            add([v.sampleID, v.assay, v.uniProt, v.olinkID ?? "", v.panel ?? "", num(v.npx), num(v.lod), "\(v.qcWarning)"])
        }
        add(["parameters"])
        for d in study.declaredParameters {
            add([d.name, d.label, d.kind.rawValue, d.unit, d.aggregation.rawValue, num(d.minimum), num(d.maximum)])
        }
        return hex(hasher.finalize())
    }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        let digits = Array("0123456789abcdef")
        var s = ""
        for b in digest {
            s.append(digits[Int(b >> 4)])
            s.append(digits[Int(b & 0x0F)])
        }
        return s
    }
}
