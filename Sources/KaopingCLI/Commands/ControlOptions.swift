import ArgumentParser
import Foundation
import KaopingClient
import KaopingWire
import ZeroMQ

/// How the CLI reaches the aggregator's control endpoint, shared by status, reopen and keys.
struct ControlOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The aggregator's control endpoint.", valueName: "ENDPOINT"))
    var control = "tcp://127.0.0.1:7404"

    @Option(help: "The campaign id.")
    var campaign = "zhongshan-2023"

    @Option(help: ArgumentHelp(
        "The operator's key file; needed for reopen and key changes.", valueName: "FILE"))
    var key: String?

    @Option(help: ArgumentHelp(
        "The aggregator's public key (base64) or a file holding it or its keyring line; replies are verified with it.",
        valueName: "KEY"))
    var aggregatorKey: String?

    @Option(help: "Seconds to wait for the aggregator.")
    var timeout: Int32 = 10

    /// Sends a request and returns the reply, failing with its error when the aggregator refused it.
    func call(_ request: Kaoping_V1_ControlRequest, signed: Bool) throws -> Kaoping_V1_ControlReply {
        var identity: SigningIdentity?
        if signed {
            guard let key else {
                throw CLIError(
                    "this needs the operator's key: pass --key FILE (made with `kaoping keygen --submitter operator`)")
            }
            identity = try InputFile.files { () throws(CampaignFileError) in try CampaignFiles.signingKey(key) }
        }
        let client = try client(identity: &identity)
        let reply: Kaoping_V1_ControlReply
        do {
            reply = try client.call(request, signedBy: identity, timeout: timeout * 1000)
        } catch let error as WireError {
            throw CLIError("\(control): \(error.message)")
        } catch let refused as HandshakeRefused {
            throw CLIError("\(refused); " + refused.remedy(control: true))
        }
        guard reply.ok else { throw CLIError("the aggregator refused: \(reply.error)") }
        return reply
    }

    /// Asks for findings, signed with `--key` (a viewer's or the operator's key lists them all).
    func feedback(_ query: Kaoping_V1_FeedbackQuery) throws -> Kaoping_V1_FeedbackList {
        guard let key else {
            throw CLIError(
                "findings name districts and people: pass --key FILE with a viewer's key (kaoping keygen --submitter "
                    + "viewer:NAME, listed in the aggregator's keyring) or the operator's")
        }
        var identity: SigningIdentity? = try InputFile.files { () throws(CampaignFileError) in
            try CampaignFiles.signingKey(key)
        }
        let client = try client(identity: &identity)
        let list: Kaoping_V1_FeedbackList
        do {
            list = try client.feedback(query, signedBy: identity!, timeout: timeout * 1000)
        } catch let error as WireError {
            throw CLIError("\(control): \(error.message)")
        } catch let refused as HandshakeRefused {
            throw CLIError("\(refused); " + refused.remedy(control: true))
        }
        guard list.error.isEmpty else { throw CLIError("the aggregator refused: \(list.error)") }
        return list
    }

    /// A client of the control endpoint, encrypted when `--aggregator-key` names a CURVE key (`identity`, when nil,
    /// is then read from `--key` for its CURVE keys).
    private func client(identity: inout SigningIdentity?) throws -> ControlClient {
        let context = try Context()
        let aggregator = try aggregatorEntry()
        var curve: CurveClient?
        if let serverKey = aggregator?.transportKey {
            if identity == nil, let key {
                identity = try? CampaignFiles.signingKey(key)
            }
            guard let transport = identity?.transport else {
                throw CLIError(
                    "--aggregator-key names a CURVE key, so the connection is encrypted: pass --key with an operator "
                        + "key listed in the aggregator's keyring (or leave out its CURVE key, the line's third word, "
                        + "for an aggregator run with curve: false)")
            }
            curve = CurveClient(serverKey: serverKey, transport: transport)
        }
        return try ControlClient(
            endpoint: control, campaign: campaign, aggregatorKey: aggregator, context: context, curve: curve)
    }

    private func aggregatorEntry() throws -> Keyring.Entry? {
        try aggregatorKey.map(AggregatorKey.parse)
    }
}
