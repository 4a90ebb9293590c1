import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUUID, Length, Matches, Max, Min, ValidateNested } from 'class-validator';
import { ADMIN_REVOCATION_REASONS, BINDING_KINDS, DIRECTORY_ACCOUNT, MACHINE_NAME, PKCS12_FORMATS } from '../domain/certificate-binding';
import type { AdminRevocationReason, BindingKind, Pkcs12Format } from '../domain/certificate-binding';

export class CertificateBindingDto {
  @ApiProperty({ enum: BINDING_KINDS, description: 'machine: this user on this computer; directory: this user’s directory (AD) account' })
  @IsIn(BINDING_KINDS)
  kind!: BindingKind;

  @ApiPropertyOptional({ example: 'BOX-OFFICE-01', description: 'required for kind=machine (host name)' })
  @IsOptional()
  @IsString()
  @Matches(MACHINE_NAME, { message: 'machineName must be a host name (letters, digits, . _ -; max 63)' })
  machineName?: string;

  @ApiPropertyOptional({ example: 'jdoe', description: 'required for kind=directory (sAMAccountName or configured attribute)' })
  @IsOptional()
  @IsString()
  @Matches(DIRECTORY_ACCOUNT, { message: 'account must be a directory account name (letters, digits, . _ @ -; max 128)' })
  account?: string;
}

export class IssueCertificateRequest {
  @ApiProperty() @IsUUID() userId!: string;
  @ApiProperty({ type: CertificateBindingDto }) @ValidateNested() @Type(() => CertificateBindingDto) binding!: CertificateBindingDto;
  @ApiProperty({ minLength: 12, description: 'protects the PKCS#12 bundle and the PEM private key: ≥ 12 characters, letters and digits' })
  @IsString()
  @Length(1, 256)
  pkcs12Password!: string;
  @ApiPropertyOptional({ enum: PKCS12_FORMATS, default: 'legacy-3des', description: 'legacy-3des imports on every Windows; aes256 needs Windows 10 1709+' })
  @IsOptional()
  @IsIn(PKCS12_FORMATS)
  pkcs12Format?: Pkcs12Format;
  @ApiPropertyOptional({ minimum: 1, maximum: 825 }) @IsOptional() @IsInt() @Min(1) @Max(825) validityDays?: number;
}

export class RevokeCertificateRequest {
  @ApiProperty({ enum: ADMIN_REVOCATION_REASONS }) @IsIn(ADMIN_REVOCATION_REASONS) reason!: AdminRevocationReason;
}

export class ListCertificatesQuery {
  @ApiPropertyOptional() @IsOptional() @IsUUID() userId?: string;
  @ApiPropertyOptional({ description: 'platform admins only' }) @IsOptional() @IsUUID() organizationId?: string;
}

export class PolicyQuery {
  @ApiPropertyOptional({ description: 'platform admins only' }) @IsOptional() @IsUUID() organizationId?: string;
}

export class SetPolicyRequest {
  @ApiPropertyOptional({ description: 'platform admins only; default: your organization' }) @IsOptional() @IsUUID() organizationId?: string;
  @ApiProperty({ description: 'users of the organization may work only through the business (client-certificate) endpoint' })
  @IsBoolean()
  clientCertificateRequired!: boolean;
  @ApiProperty({ enum: BINDING_KINDS, isArray: true }) @ArrayMinSize(1) @ArrayMaxSize(2) @IsIn(BINDING_KINDS, { each: true }) allowedBindings!: BindingKind[];
}
