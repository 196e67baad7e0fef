import HPOCore
import HPOStudyFile
import Testing

/// `trial.resources` and `trial.labels` (docs/study-file.md, "Resources and labels").
@Suite struct ResourceStudyFileTests {
    func study(_ trialLines: [String]) -> String {
        ([
            "name: t", "objective: {metric: loss}", "budget: {trials: 4}", "space:",
            "  lr: {type: float, low: 0.001, high: 1}", "trial:"
        ]
            + trialLines.map { "  " + $0 }).joined(separator: "\n")
    }

    @Test("resources.gpus and labels are read into the spec; without them there is no request")
    func valid() throws {
        let parsed = try StudyFile.parse(
            study(["command: [python3, train.py, '--lr={lr}']", "resources: {gpus: 2}", "labels: [a100, zone=eu, a100]"]
            ),
            file: "g.yaml", builtins: testBuiltins)
        #expect(parsed.trial.resources == ResourceRequest(gpus: 2, labels: ["a100", "zone=eu"]))
        let zero = try StudyFile.parse(
            study(["command: [python3, train.py]", "resources: {gpus: 0}"]), file: "g.yaml", builtins: testBuiltins)
        #expect(zero.trial.resources == ResourceRequest(gpus: 0))
        let sized = try StudyFile.parse(
            study(["command: [python3, train.py]", "resources: {gpus: 2, gpu_memory_gb: 40, cores: 8}"]),
            file: "g.yaml", builtins: testBuiltins)
        #expect(sized.trial.resources == ResourceRequest(gpus: 2, gpuMemoryGB: 40, cores: 8))
        let memoryOnly = try StudyFile.parse(
            study(["command: [python3, train.py]", "resources: {gpu_memory_gb: 7.5}"]), file: "g.yaml",
            builtins: testBuiltins)
        #expect(memoryOnly.trial.resources == ResourceRequest(gpuMemoryGB: 7.5))
        let plain = try StudyFile.parse(study(["command: [python3, train.py]"]), file: "g.yaml", builtins: testBuiltins)
        #expect(plain.trial.resources == nil)
        let empty = try StudyFile.parse(
            study(["command: [python3, train.py]", "resources: {}", "labels: []"]), file: "g.yaml",
            builtins: testBuiltins)
        #expect(empty.trial.resources == nil)
    }

    @Test(
        "a bad request names the file, the line, the field and what was expected",
        arguments: [
            (
                ["command: [x]", "resources: {gpus: -1}"], "trial.resources.gpus", 7,
                "expected a number of GPUs per trial from 0 to 256, found '-1'"
            ),
            (["command: [x]", "resources: {gpus: 1000}"], "trial.resources.gpus", 7, "from 0 to 256"),
            (["command: [x]", "resources: {gpus: two}"], "trial.resources.gpus", 7, "expected an integer"),
            (
                ["command: [x]", "resources: {gpu: 1}"], "trial.resources.gpu", 7,
                "unknown key 'gpu' (did you mean 'gpus'?)"
            ),
            (["command: [x]", "resources: 2"], "trial.resources", 7, "expected a mapping"),
            (
                ["command: [x]", "resources: {gpu_memory_gb: 0}"], "trial.resources.gpu_memory_gb", 7,
                "expected the memory each GPU of a trial must have, in GB, above 0 and at most 1048576, found '0'"
            ),
            (["command: [x]", "resources: {gpu_memory_gb: -4}"], "trial.resources.gpu_memory_gb", 7, "above 0"),
            (["command: [x]", "resources: {gpu_memory_gb: 2e6}"], "trial.resources.gpu_memory_gb", 7, "at most"),
            (["command: [x]", "resources: {gpu_memory_gb: 40GB}"], "trial.resources.gpu_memory_gb", 7, "a number"),
            (
                ["command: [x]", "resources: {gpus: 0, gpu_memory_gb: 40}"], "trial.resources.gpu_memory_gb", 7,
                "gpu_memory_gb asks for GPUs with memory, but gpus is 0"
            ),
            (
                ["command: [x]", "resources: {cores: 0}"], "trial.resources.cores", 7,
                "expected a number of cores per trial from 1 to 1048576, found '0'"
            ),
            (["command: [x]", "resources: {cores: 2.5}"], "trial.resources.cores", 7, "expected an integer"),
            (
                ["command: [x]", "resources: {gpu_memory: 40}"], "trial.resources.gpu_memory", 7,
                "unknown key 'gpu_memory'; allowed keys: gpus, gpu_memory_gb, cores"
            ),
            (["command: [x]", "labels: a100"], "trial.labels", 7, "expected a list"),
            (["command: [x]", "labels: ['a b']"], "trial.labels[0]", 7, "label 'a b' may hold only ASCII letters"),
            (["command: [x]", "labels: [ok, '']"], "trial.labels[1]", 7, "a label is empty"),
            (["command: [x]", "label: [a100]"], "trial.label", 7, "unknown key 'label' (did you mean 'labels'?)")
        ] as [([String], String, Int, String)])
    func invalid(lines: [String], field: String, line: Int, fragment: String) throws {
        let error = try #require(throws: StudyFileError.self) {
            try StudyFile.parse(study(lines), file: "bad.yaml", builtins: testBuiltins)
        }
        #expect(error.file == "bad.yaml")
        #expect(error.field == field)
        #expect(error.line == line + 1)
        #expect(error.message.contains(fragment), "message: \(error.message)")
    }
}
