import Foundation

/// Locates a fixture file next to the calling test file: `fixtureURL("survival/lung.json")`
/// from `Tests/DayZeroStatsTests/KaplanMeierTests.swift` is
/// `Tests/DayZeroStatsTests/Fixtures/survival/lung.json`. Fixtures are read from the source
/// tree, so a fresh clone needs no resource bundle.
public func fixtureURL(_ relativePath: String, testFile: String = #filePath) -> URL {
    URL(fileURLWithPath: testFile)
        .deletingLastPathComponent()
        .appendingPathComponent("Fixtures")
        .appendingPathComponent(relativePath)
}

/// Reads and decodes a JSON fixture next to the calling test file.
public func loadFixture<T: Decodable>(_ type: T.Type, _ relativePath: String, testFile: String = #filePath) throws -> T {
    let data = try Data(contentsOf: fixtureURL(relativePath, testFile: testFile))
    return try JSONDecoder().decode(T.self, from: data)
}

/// A fresh empty directory under the system temporary directory.
public func makeTemporaryDirectory(_ prefix: String = "dayzero-test") throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("\(prefix)-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
