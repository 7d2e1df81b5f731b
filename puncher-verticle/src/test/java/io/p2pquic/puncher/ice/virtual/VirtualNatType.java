package io.p2pquic.puncher.ice.virtual;

import io.p2pquic.puncher.nat.FilteringBehavior;
import io.p2pquic.puncher.nat.MappingBehavior;

/** The four RFC 4787 NAT behaviours of the classic names (RFC 3489), as mapping plus filtering. */
public enum VirtualNatType {
  /** Endpoint-independent mapping and filtering. */
  FULL_CONE(MappingBehavior.ENDPOINT_INDEPENDENT, FilteringBehavior.ENDPOINT_INDEPENDENT),
  /** Endpoint-independent mapping, address-dependent filtering. */
  ADDRESS_RESTRICTED(MappingBehavior.ENDPOINT_INDEPENDENT, FilteringBehavior.ADDRESS_DEPENDENT),
  /** Endpoint-independent mapping, address-and-port-dependent filtering. */
  PORT_RESTRICTED(MappingBehavior.ENDPOINT_INDEPENDENT, FilteringBehavior.ADDRESS_AND_PORT_DEPENDENT),
  /** Address-and-port-dependent mapping and filtering. */
  SYMMETRIC(MappingBehavior.ADDRESS_AND_PORT_DEPENDENT, FilteringBehavior.ADDRESS_AND_PORT_DEPENDENT);

  private final MappingBehavior mapping;
  private final FilteringBehavior filtering;

  VirtualNatType(MappingBehavior mapping, FilteringBehavior filtering) {
    this.mapping = mapping;
    this.filtering = filtering;
  }

  public MappingBehavior mapping() {
    return mapping;
  }

  public FilteringBehavior filtering() {
    return filtering;
  }
}
