import DayZeroAnalysis
import Foundation

extension StudyResultsFixture {
    /// A balance table like the default cohort's propensity-matched set (cobalt's numbers
    /// rounded), decoded from JSON since its types are built by the analysis only.
    static func balance(ids: [String] = ["distance", "age", "sex_male", "bmi"]) throws -> BalanceTable {
        let sides: [(String, Double, Double, Double, Double)] = [
            ("distance", 0.40, 0.22, 0.52, 0.45), ("continuous", 0.17, 0.24, 64, 62), ("binary", 0.18, 0.05, 0.71, 0.76),
            ("continuous", 0.01, 0.13, 27.9, 28.4),
        ]
        var rows: [String] = []
        for (i, id) in ids.enumerated() {
            let (kind, before, after, t, c) = sides[i % sides.count]
            let vr = kind == "binary" ? "null" : "1.1"
            rows.append("""
            {"id": \(jsonString(id)), "kind": "\(kind)",
             "before": {"treatedMean": \(t), "controlMean": \(c), "difference": \(before), "standardized": \(kind != "binary"), "varianceRatio": \(vr)},
             "after": {"treatedMean": \(t), "controlMean": \(c), "difference": \(-after), "standardized": \(kind != "binary"), "varianceRatio": \(vr)}}
            """)
        }
        let json = """
        {"rows": [\(rows.joined(separator: ","))],
         "sampleSizes": {"treatedAll": 21, "controlsAll": 39, "treatedMatched": 21, "controlsMatched": 21,
                         "controlsMatchedEffective": 21, "treatedUnmatched": 0, "controlsUnmatched": 18},
         "warnings": []}
        """
        return try JSONDecoder().decode(BalanceTable.self, from: Data(json.utf8))
    }

    static func jsonString(_ s: String) -> String {
        let data = (try? JSONEncoder().encode(s)) ?? Data("\"\"".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
