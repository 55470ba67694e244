import Foundation
import KaopingClient
import KaopingCore
import KaopingStore
import KaopingWire
import ZeroMQ

/// Why an agent cannot do what was asked, in words a department clerk can act on.
public struct AgentError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A department's agent: its key, the aggregator's key, the rules and the outbox. Signs and queues submissions;
/// ``Deliverer`` sends them.
public struct Agent: Sendable {
    public let configuration: AgentConfiguration
    public let identity: SigningIdentity
    public let aggregatorKey: Keyring.Entry
    public let catalog: Catalog
    public let importer: SubmissionImport
    /// Findings, plans and reviews from the command line or the inbox.
    public let feedbackImporter: FeedbackImport
    public let outbox: Outbox
    /// How to encrypt the connection, when the aggregator runs with CURVE.
    public let curve: CurveClient?
    /// What submissions, heartbeats and the outbox's records are stamped with.
    public let clock: any WallClock

    /// Loads the key, the aggregator's key, the catalog, the roster and opens the outbox.
    public init(configuration: AgentConfiguration, clock: any WallClock = SystemClock()) throws {
        self.configuration = configuration
        self.clock = clock
        do throws(CampaignFileError) {
            identity = try CampaignFiles.signingKey(configuration.key)
        } catch {
            throw AgentError(error.message)
        }
        do {
            aggregatorKey = Keyring.Entry(
                submitter: "aggregator", publicKey: try KeyFile.publicKey(base64: configuration.aggregatorPublicKey))
        } catch {
            throw AgentError(
                "aggregator_public_key is missing or not a base64 Ed25519 public key; ask the operator for it")
        }
        if let serverKey = configuration.aggregatorCurveKey {
            guard let raw = Data(base64Encoded: serverKey), raw.count == 32 else {
                throw AgentError("aggregator_curve_key is not a base64 32-byte key; copy it from the operator again")
            }
            guard let transport = identity.transport else {
                throw AgentError(
                    "\(configuration.key) has no CURVE keys but the aggregator encrypts; make a new key with "
                        + "`kaoping keygen` and have the operator list it")
            }
            curve = CurveClient(serverKey: raw, transport: transport)
        } else {
            curve = nil
        }
        do throws(CampaignFileError) {
            catalog = try CampaignFiles.catalog(configuration.catalog)
        } catch {
            throw AgentError(error.message)
        }
        guard configuration.campaign == catalog.campaign else {
            throw AgentError(
                "campaign \(configuration.campaign) in the configuration is not the catalog's (\(catalog.campaign)"
                    + (configuration.catalog.map { ", \($0)" } ?? ", the built-in one")
                    + "); set catalog: to campaign \(configuration.campaign)'s catalog file, or campaign: "
                    + catalog.campaign)
        }
        var roster: Roster?
        if let path = configuration.roster {
            do throws(CampaignFileError) {
                roster = try CampaignFiles.roster(path, catalog: catalog)
            } catch {
                throw AgentError(error.message)
            }
        }
        importer = SubmissionImport(
            catalog: catalog, roster: roster, submitter: identity.submitter, checks: configuration.localCheck)
        feedbackImporter = FeedbackImport(catalog: catalog, roster: roster, submitter: identity.submitter)
        do {
            outbox = try Outbox(path: configuration.outbox)
        } catch {
            throw AgentError("cannot open the outbox \(configuration.outbox): \(error)")
        }
    }

    /// Signs submissions and writes them to the outbox (before any sending); returns how many were new.
    @discardableResult
    public func enqueue(_ submissions: [(source: String, submission: Submission)]) throws -> Int {
        let now = clock.now
        let items = try submissions.map { source, submission in
            (
                submissionID: submission.id, subject: submission.key.description,
                envelope: try SignedEnvelope.seal(
                    submission.wire(signedAt: now), type: .submission, campaign: submission.campaign, by: identity),
                source: source
            )
        }
        return try outbox.add(items, at: now)
    }

    /// Signs findings, plans or reviews and writes them to the outbox, as ``enqueue(_:)`` does submissions.
    @discardableResult
    public func enqueue(feedback steps: [(source: String, step: FeedbackStep)]) throws -> Int {
        let now = clock.now
        let items = try steps.map { source, step in
            (
                submissionID: step.id, subject: Self.subject(step),
                envelope: try SignedEnvelope.seal(
                    step.wire(signedAt: now), type: step.messageType, campaign: catalog.campaign, by: identity),
                source: source
            )
        }
        return try outbox.add(items, at: now)
    }

    /// How the outbox shows a finding, plan or review: `finding D05/stability`, `plan for F-…`, `review (returned)
    /// of F-…`.
    static func subject(_ step: FeedbackStep) -> String {
        switch step {
        case .finding(let finding):
            "finding "
                + [finding.district, finding.indicator, finding.worker].filter { !$0.isEmpty }.joined(separator: "/")
        case .plan(let plan): "plan for \(plan.findingID)"
        case .review(let review): "review (\(review.verdict.rawValue)) of \(review.findingID)"
        }
    }
}
