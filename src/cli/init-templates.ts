/** The files `rampart init` writes: a minimal policy covering three points and a suite that covers every rule. */

/** Starter policy; `__NAME__` is replaced with the chosen name. */
export const INIT_POLICY = `apiVersion: rampart.dev/v1
kind: Policy

metadata:
  name: __NAME__
  owner: safety-team
  version: 0.1.0

riskClasses: [low, medium, high, critical]

defaults: {input: allow, route: allow, tool: deny, output: allow, persist: deny, onError: deny}

tools:
  orders.lookup:
    description: Look up one of the customer's orders
    risk: low
    params:
      type: object
      required: [orderId]
      additionalProperties: false
      properties:
        orderId: {type: string, maxLength: 32}

rules:
  - id: customers-read-own-orders
    point: tool
    when: tool.name == "orders.lookup" && resource.ownerId == principal.id
    effect: allow
    risk: low
    reason: customers may look up their own orders
    evidence: [tool.name]

  - id: no-other-customers-orders
    point: tool
    when: tool.name == "orders.lookup" && resource.ownerId != principal.id
    effect: deny
    risk: high
    reason: order belongs to someone else
    message: I can only help with your own orders.

  - id: transcripts-kept-7-days
    point: persist
    when: record.kind == "transcript"
    effect: allow
    risk: low
    obligations:
      - retain: {fields: [record.kind], ttl: 7d}
    reason: transcripts are kept for 7 days
`;

/** Starter test suite for the starter policy. */
export const INIT_TESTS = `apiVersion: rampart.dev/v1
kind: TestSuite

metadata:
  name: basic

fixtures:
  principals:
    alice: {id: c-1, roles: [customer]}

cases:
  - name: customer reads own order
    point: tool
    request:
      principal: alice
      resource: {kind: order, id: o-1, ownerId: c-1}
      tool: {name: orders.lookup, args: {orderId: o-1}}
    expect: {effect: allow, rules: [customers-read-own-orders]}

  - name: customer reads someone else's order
    point: tool
    request:
      principal: alice
      resource: {kind: order, id: o-2, ownerId: c-2}
      tool: {name: orders.lookup, args: {orderId: o-2}}
    expect: {effect: deny, rules: [no-other-customers-orders], message: I can only help with your own orders.}

  - name: unknown tool is denied
    point: tool
    request:
      principal: alice
      tool: {name: orders.delete, args: {}}
    expect: {effect: deny, rules: [rampart/unknown-tool]}

  - name: transcript stored with retention
    point: persist
    request:
      principal: alice
      record: {kind: transcript}
    expect: {effect: allow_with_conditions, obligations: [retain]}
`;
