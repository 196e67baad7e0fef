import Foundation
import HPOCore
import HPOTrials
import Testing

/// Nothing another local user plants where a trial's files go is followed or overwritten
/// (docs/security.md, "a hostile local user").
@Suite struct ScratchSafetyTests {
    let victimText = "the user's own file\n"

    @Test("a symbolic link planted at the parameters file's path fails the attempt; its target is untouched")
    func linkAtParamsFile() async throws {
        let folder = makeTemporaryDirectory()
        defer { removeTemporaryDirectory(folder) }
        let victim = folder + "/victim.txt"
        try victimText.write(toFile: victim, atomically: true, encoding: .utf8)
        let scratch = folder + "/scratch"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: false)
        // runTrial runs trial 7, attempt 2.
        let planted = scratch + "/params-7-2.json"
        try FileManager.default.createSymbolicLink(atPath: planted, withDestinationPath: victim)

        let run = await runTrial(.command(["/bin/echo", #"{{"val_loss": 1}}"#]), scratchDirectory: scratch)
        #expect(run.result.status == .failed)
        #expect(
            run.result.reason
                == """
                cannot write the parameters file '\(planted)': something (a file or a symbolic link) is already \
                there; refusing to overwrite or follow it
                """
        )
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == victimText, "the link's target is unchanged")
        #expect(
            (try? FileManager.default.destinationOfSymbolicLink(atPath: planted)) == victim,
            "the planted link is left as it was")
    }

    @Test("a symbolic link planted in place of the scratch directory is not followed")
    func linkAtScratchDirectory() async throws {
        let folder = makeTemporaryDirectory()
        defer { removeTemporaryDirectory(folder) }
        let victimFolder = folder + "/victim"
        try FileManager.default.createDirectory(atPath: victimFolder, withIntermediateDirectories: false)
        let scratch = folder + "/scratch"
        try FileManager.default.createSymbolicLink(atPath: scratch, withDestinationPath: victimFolder)

        let run = await runTrial(.command(["/bin/echo", #"{{"val_loss": 1}}"#]), scratchDirectory: scratch)
        #expect(run.result.status == .failed)
        #expect(
            run.result.reason
                == "the scratch directory '\(scratch)' is a symbolic link or not a directory: refusing to follow it")
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: victimFolder).isEmpty,
            "nothing was written through the link")

        // A dangling link (to where the runner would create the directory) is not followed either.
        let dangling = folder + "/dangling"
        try FileManager.default.createSymbolicLink(atPath: dangling, withDestinationPath: folder + "/made-through-link")
        let again = await runTrial(.command(["/bin/echo", #"{{"val_loss": 1}}"#]), scratchDirectory: dangling)
        #expect(again.result.status == .failed)
        #expect(!FileManager.default.fileExists(atPath: folder + "/made-through-link"))
    }

    @Test("the parameters file is private (0600) in directories made private (0700)")
    func privateModes() async throws {
        let base = temporaryPath()
        defer { removeTemporaryDirectory(base) }
        let scratch = base + "/attempt"
        let run = await runTrial(
            shellScript(
                #"echo "{\"val_loss\": 1, \"file\": $(stat -c %a "$HPO_PARAMS_FILE"), \"dir\": $(stat -c %a "$(dirname "$HPO_PARAMS_FILE")"), \"base\": $(stat -c %a "$(dirname "$(dirname "$HPO_PARAMS_FILE")")")}""#
            ),
            scratchDirectory: scratch)
        #expect(run.result.status == .completed, "\(run.result)")
        #expect(run.result.metrics["file"] == 600)
        #expect(run.result.metrics["dir"] == 700)
        #expect(run.result.metrics["base"] == 700)
    }

    @Test("a private folder is new each time, mode 0700, and a missing parent is an error naming it")
    func privateFolder() throws {
        let parent = makeTemporaryDirectory()
        defer { removeTemporaryDirectory(parent) }
        let first = try PrivateFolder.create(in: parent, prefix: "hpo-worker-")
        let second = try PrivateFolder.create(in: parent + "/", prefix: "hpo-worker-")
        #expect(first != second)
        #expect(first.hasPrefix(parent + "/hpo-worker-") && first.count == (parent + "/hpo-worker-").count + 6)
        let mode = try #require(FileManager.default.attributesOfItem(atPath: first)[.posixPermissions] as? Int)
        #expect(mode == 0o700)
        #expect {
            _ = try PrivateFolder.create(in: parent + "/missing", prefix: "x-")
        } throws: { error in
            "\(error)" == "cannot create a private folder in '\(parent)/missing': No such file or directory"
        }
    }
}
