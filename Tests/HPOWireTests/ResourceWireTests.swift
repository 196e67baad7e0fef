import Foundation
import HPOCore
import HPOWire
import Testing

/// `hello.resources` (GPUs, cores, labels) and `spec.resources` on the wire: compatible with
/// peers that know neither, and a hostile value costs the worker its resources, never its hello.
@Suite struct ResourceWireTests {
    func worker(_ body: String) -> Result<WorkerMessage, WireError> {
        Result { () throws(WireError) in try WireCodec.decodeWorkerMessage([WireCodec.header, Array(body.utf8)]) }
    }

    func hello(resources: String?) -> String {
        let tail = resources.map { #","resources":\#($0)"# } ?? ""
        return #"{"type":"hello","name":"w","host":"h","pid":1,"slots":4,"software":"s","running":[]\#(tail)}"#
    }

    func decodedHello(_ resources: String?) throws -> Hello {
        guard case .success(.hello(let hello)) = worker(hello(resources: resources)) else {
            Issue.record("the hello was not served: \(worker(hello(resources: resources)))")
            throw CancellationError()
        }
        return hello
    }

    @Test("a hello's resources round-trip; an old hello without them decodes as before")
    func roundTrip() throws {
        let resources = WorkerResources(
            gpus: [
                GPUDevice(id: "0", uuid: "GPU-8d3c5f9a-0f0e-4b5e-9d2c-1a2b3c4d5e6f", memoryMiB: 81920),
                GPUDevice(id: "1")
            ],
            cores: 32, labels: ["a100", "zone=eu"])
        let sent = Hello(name: "gpu3:1", host: "gpu3", pid: 1, slots: 2, software: "s", resources: resources)
        let frames = WireCodec.encode(WorkerMessage.hello(sent))
        let body = String(decoding: frames[1], as: UTF8.self)
        #expect(body.contains(#""resources":{"cores":32,"gpus":[{"id":"0","memory_mib":81920,"uuid":"GPU-8d3c5f9a"#))
        #expect(try WireCodec.decodeWorkerMessage(frames) == .hello(sent))

        // A worker that gives trials only GPUs with the memory they ask says so; others do not.
        #expect(!body.contains("gpu_memory_aware"))
        var aware = sent
        aware.resources?.gpuMemoryAware = true
        let awareFrames = WireCodec.encode(WorkerMessage.hello(aware))
        #expect(String(decoding: awareFrames[1], as: UTF8.self).contains(#""gpu_memory_aware":true"#))
        #expect(try WireCodec.decodeWorkerMessage(awareFrames) == .hello(aware))

        let old = try decodedHello(nil)
        #expect(old.resources == nil)
        #expect(old.droppedResources == nil)
        #expect(old.slots == 4)
    }

    @Test(
        "malformed or out-of-bounds resources are dropped with a reason naming the field; the hello is served",
        arguments: [
            (#"{"gpus":"all"}"#, "gpus"),
            (#"{"gpus":[{"uuid":"GPU-1"}]}"#, "id"),
            (#"[1,2]"#, "resources"),
            (#"{"gpus":[{"id":"0"},{"id":"0"}]}"#, "listed twice"),
            (#"{"gpus":[{"id":""}]}"#, "GPU id"),
            (#"{"gpus":[{"id":"0","memory_mib":-5}]}"#, "memory_mib -5"),
            (#"{"cores":0}"#, "cores 0"),
            (#"{"labels":["a b"]}"#, "label 'a b'"),
            (#"{"labels":[""]}"#, "label is empty")
        ])
    func hostileResources(resources: String, mentioning: String) throws {
        let hello = try decodedHello(resources)
        #expect(hello.resources == nil)
        #expect(hello.droppedResources?.contains(mentioning) == true, "\(hello.droppedResources ?? "nil")")
        #expect(hello.slots == 4 && hello.name == "w")
    }

    @Test("a thousand GPUs or labels are dropped, not allocated for")
    func tooMany() throws {
        let gpus = (0..<1000).map { #"{"id":"\#($0)"}"# }.joined(separator: ",")
        let many = try decodedHello(#"{"gpus":[\#(gpus)]}"#)
        #expect(many.resources == nil)
        #expect(many.droppedResources?.contains("1000 GPUs, more than 256") == true)
        let labels = (0..<100).map { #""l\#($0)""# }.joined(separator: ",")
        let labelled = try decodedHello(#"{"labels":[\#(labels)]}"#)
        #expect(labelled.droppedResources?.contains("100 labels, more than 64") == true)
    }

    @Test("a worker drops an assignment whose resource request is out of bounds")
    func hostileRequest() {
        for (request, fragment) in [
            (#"{"gpus":-1}"#, "resources.gpus -1"), (#"{"gpus":100000}"#, "resources.gpus 100000"),
            (#"{"labels":["a b"]}"#, "label 'a b'"), (#"{"gpus":"two"}"#, ""),
            (#"{"gpu_memory_gb":0}"#, "resources.gpu_memory_gb 0"),
            (#"{"gpu_memory_gb":-40}"#, "resources.gpu_memory_gb -40"),
            (#"{"gpu_memory_gb":1e300}"#, "resources.gpu_memory_gb 1e+300"),
            (#"{"gpu_memory_gb":"nan"}"#, "resources.gpu_memory_gb nan"),
            (#"{"gpu_memory_gb":"inf"}"#, "resources.gpu_memory_gb inf"),
            (#"{"cores":0}"#, "resources.cores 0"), (#"{"cores":9999999999}"#, "resources.cores 9999999999"),
            (#"{"cores":"8"}"#, "")
        ] {
            let body =
                #"{"type":"assign","key":{"trial":1,"attempt":1},"params":{},"objective_metric":"loss","spec":{"program":{"command":["x"]},"retries":0,"env":{},"resources":\#(request)}}"#
            let result = Result { () throws(WireError) in
                try WireCodec.decodeCoordinatorMessage([WireCodec.header, Array(body.utf8)])
            }
            switch result {
            case .failure(.outOfBounds(let type, let reason)):
                #expect(type == "assign" && reason.contains(fragment) && !fragment.isEmpty, "\(reason)")
            case .failure(.malformed): #expect(fragment.isEmpty, "a mistyped request is malformed")
            default: Issue.record("\(request) was accepted: \(result)")
            }
        }
    }

    @Test("an assignment whose spec asks for resources goes through JSONDecoder, both ways, unchanged")
    func specResources() throws {
        var spec = TrialSpec(program: .command(["python3", "train.py"]), retries: 1)
        spec.resources = ResourceRequest(gpus: 2, gpuMemoryGB: 40, cores: 8, labels: ["a100"])
        let assignment = Assignment(
            key: TrialKey(trial: TrialID(3), attempt: 1), parameters: ["lr": .double(0.1)], spec: spec,
            objectiveMetric: "loss")
        let frames = WireCodec.encode(CoordinatorMessage.assign(assignment))
        #expect(
            String(decoding: frames[1], as: UTF8.self).contains(
                #""resources":{"cores":8,"gpu_memory_gb":40,"gpus":2,"labels":["a100"]}"#))
        #expect(try WireCodec.decodeCoordinatorMessage(frames) == .assign(assignment))
        // Without resources, the spec's JSON is what it always was.
        spec.resources = nil
        let plain = WireCodec.encode(
            CoordinatorMessage.assign(
                Assignment(
                    key: assignment.key, parameters: assignment.parameters, spec: spec, objectiveMetric: "loss")))
        #expect(!String(decoding: plain[1], as: UTF8.self).contains("resources"))
    }
}
