import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsBoolean, IsEmail, IsIn, IsOptional, IsString, IsUUID, Length, MaxLength } from 'class-validator';
import { ORGANIZATION_KINDS, OrganizationKind, Role, ROLES } from '../../../shared-kernel/roles';

export class LoginRequest {
  @ApiProperty({ example: 'clerk@presale.example' }) @IsEmail() @MaxLength(254) email!: string;
  @ApiProperty() @IsString() @Length(1, 256) password!: string;
}

export class CreateOrganizationRequest {
  @ApiProperty({ enum: ORGANIZATION_KINDS }) @IsIn(ORGANIZATION_KINDS.filter((k) => k !== 'platform')) kind!: Exclude<OrganizationKind, 'platform'>;
  @ApiProperty() @IsString() @Length(1, 200) name!: string;
}

export class CreateUserRequest {
  @ApiPropertyOptional({ description: 'platform admins only; others create users in their own organization' })
  @IsOptional()
  @IsUUID()
  organizationId?: string;
  @ApiProperty() @IsEmail() @MaxLength(254) email!: string;
  @ApiProperty() @IsString() @Length(1, 200) displayName!: string;
  @ApiProperty({ minLength: 12 }) @IsString() @Length(1, 256) password!: string;
  @ApiProperty({ enum: ROLES, isArray: true }) @ArrayMinSize(1) @ArrayMaxSize(8) @IsIn(ROLES, { each: true }) roles!: Role[];
}

export class UpdateUserRequest {
  @ApiPropertyOptional({ enum: ROLES, isArray: true }) @IsOptional() @ArrayMinSize(1) @ArrayMaxSize(8) @IsIn(ROLES, { each: true }) roles?: Role[];
  @ApiPropertyOptional() @IsOptional() @IsBoolean() active?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 200) displayName?: string;
}

export class CreateApiKeyRequest {
  @ApiProperty({ example: 'Gate 3 scanner' }) @IsString() @Length(1, 100) name!: string;
  @ApiProperty({ enum: ['scanner', 'integration', 'monitoring'], isArray: true })
  @ArrayMinSize(1)
  @ArrayMaxSize(3)
  @IsIn(['scanner', 'integration', 'monitoring'], { each: true })
  roles!: Role[];
}

export class ListUsersQuery {
  @ApiPropertyOptional() @IsOptional() @IsUUID() organizationId?: string;
}
